/** Tests talk to real MariaDB, Redis and Temporal: they run serially (see package.json) and get generous timeouts. */

// A panic in the SDK's native core prints its message; its backtrace (RUST_BACKTRACE=1 on some machines) is only
// noise in a test run. Set here, in Jest's own process: a test file's process.env is a copy that native code never
// reads, so setting it in a setup file had no effect.
process.env.RUST_BACKTRACE = '0';

module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  setupFiles: ['<rootDir>/test/support/test-env.ts', '<rootDir>/test/support/quiet-temporal-runtime.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/temporal-warnings-scope.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
