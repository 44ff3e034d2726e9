/**
 * Tests are transpiled by SWC (fast, no type check); `npm test` runs `tsc --noEmit` first for the types.
 * jose 6 ships ES modules only: SWC turns it into CommonJS for Jest (Node and webpack load it as-is).
 */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
// the console's components (web-src/): TSX with the classic runtime, as Parcel builds them
const swcTsx = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'classic' } } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/web-src/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: { '^.+\\.tsx$': swcTsx, '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  moduleNameMapper: { '\\.css$': '<rootDir>/web-src/test/style-stub.js' },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/jest.setup.js'],
};
