// Jest runs the TypeScript sources through swc (no type check: `npm run typecheck` does that).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
    // cockatiel 4, jose 6 and eld 2 ship ES modules only; Node 20 loads them with require(esm), jest's CommonJS runtime cannot.
    '^.+/node_modules/(cockatiel|jose|eld)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cockatiel|jose|eld)/)'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // eld exports only an `import` condition, which jest's CommonJS resolver does not try.
    '^eld/large$': '<rootDir>/node_modules/eld/src/entries/static.large.js',
  },
  testTimeout: 60000,
  // Integration tests start servers on real ports and real LMDB files; two at a time keeps a 2-core box responsive.
  maxWorkers: 2,
};
