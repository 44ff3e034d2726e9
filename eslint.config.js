/**
 * `npm run lint` (part of `npm test`): typescript-eslint's recommended rules, plus
 * no-console where a stray console line would be a defect (the actions write their
 * log lines through src/log; tests print only on purpose). dev/, bench/ and the
 * fixture extractor are command-line tools: they print.
 */
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.local/', 'bench/.build/', 'bench/template-action/', '.parcel-cache/', '.test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['dev/**', 'bench/**', 'test/fixtures/**/extract.ts'], rules: { 'no-console': 'off' } },
  // these match control characters on purpose: they check that none reaches a log line or the text status
  { files: ['src/status/status.ts', 'test/log/**', 'test/status/**'], rules: { 'no-control-regex': 'off' } },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
