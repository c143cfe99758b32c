/**
 * Jest setup (every test file): tests run on databases of their own, never the service's. MySQL database
 * `order_saga_test` and Redis database 1 unless TEST_DATABASE_URL / TEST_REDIS_URL name others (for example to run
 * two checkouts' suites side by side). The service itself defaults to `order_saga` on Redis database 0.
 */
import { TEST_PAYMENTS_API_KEY } from './payments-keys';

process.env.DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/order_saga_test';
process.env.REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/1';
// Every app a test starts verifies tokens signed with the tests' secret (test/support/auth.ts).
process.env.AUTH_JWT_SECRET = 'test-secret-for-jest-only-0123456789abcdef';
// The service's key at the payment stand-in, for the processes tests spawn too (test/support/payments-keys.ts).
process.env.PAYMENTS_API_KEY = TEST_PAYMENTS_API_KEY;
