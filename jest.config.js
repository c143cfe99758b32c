/** Tests talk to real MariaDB, Redis and Temporal: they run serially (see package.json) and get generous timeouts. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  setupFiles: ['<rootDir>/test/support/test-env.ts', '<rootDir>/test/support/quiet-temporal-runtime.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
