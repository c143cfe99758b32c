/**
 * Benchmarks keep their own MySQL database and Redis database, so their products never show up in the service's
 * catalogue (`npm start`) or in the tests' data. Imported first by every benchmark entry point: the parts it
 * starts inherit the environment. BENCH_DATABASE_URL and BENCH_REDIS_URL name others.
 */
process.env.DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/order_saga_bench';
process.env.REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
