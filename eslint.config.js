import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * A no-restricted-imports pattern for relative imports of the given top-level folders of src/
 * (or of `check.js`), at any depth: `./adapters/x.js`, `../adapters/x.js`, `../../adapters/x.js`.
 */
function outside(...folders) {
  return {
    regex: `^\\.\\.?/(?:.*/)?(?:${folders.join('|')})(?:\\.js)?(?:/|$)`,
    message: `This layer does not import from ${folders.join(', ')}.`,
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.mailstack/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // A function that does not fit on a few screens hides its steps: split it into named parts.
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100 }] },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // The core is pure: no I/O, no clock, no process, and nothing from the layers around it.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:fs*',
                'node:net',
                'node:tls',
                'node:child_process',
                'node:os',
                'imapflow',
                'nodemailer',
                'mailparser',
                'better-sqlite3',
                'pino',
              ],
            },
            outside('adapters', 'config', 'commands', 'check'),
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'The core takes the time as an argument; new Date() reads the clock.',
        },
      ],
    },
  },
  {
    // The check decides and acts through the ports; the adapters are wired in by the commands.
    files: ['src/check.ts', 'src/check/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outside('adapters', 'commands')] }] },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outside('adapters', 'commands')] }] },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', Buffer: 'readonly' },
    },
  },
);
