/**
 * The browser suite's own MySQL database and Redis database (imported before the stack, which reads them at import):
 * its products and orders never mix with the service's, the tests' or the benchmarks'.
 */
process.env.BENCH_DATABASE_URL = process.env.BROWSER_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/order_saga_browser';
process.env.BENCH_REDIS_URL = process.env.BROWSER_REDIS_URL ?? 'redis://127.0.0.1:6379/12';
