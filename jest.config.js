/**
 * Tests are transpiled by SWC (fast, no type check); `npm test` runs `tsc --noEmit` first for the types.
 * jose 6 ships ES modules only: SWC turns it into CommonJS for Jest (Node and webpack load it as-is).
 */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  setupFiles: ['<rootDir>/jest.setup.js'],
};
