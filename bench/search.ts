/**
 * `npm run bench:search`: GET /products?q= on a catalogue of 100,000 products beside GET /products/:id of the same run.
 *
 *   --products=100000 (SEARCH_PRODUCTS)   --seconds=8 per endpoint (SEARCH_SECONDS)   --connections=4 (SEARCH_CONNECTIONS)
 *
 * The catalogue lives in a database of its own (BENCH_SEARCH_DATABASE_URL, default order_saga_bench_search), seeded
 * once to the wanted size and kept between runs: names are three words from small lists and a number, skus SRCH-<n>,
 * so common words match thousands of products and numbers a handful. Then, on a fresh stack, each endpoint is read
 * by `connections` visitors (no token) for `seconds`: the searches cycle through common words, rare numbers, sku
 * fragments, several words and short words; the product reads through random ids. Prints each one's median and p99
 * and writes bench/results/search-<timestamp>.json.
 */
import './databases';
import { loadConfig } from '../config';
import { migrateUp } from '../db/migrate';
import { connectRedis } from '../inventory/redis';
import { availabilityKey } from '../inventory/keys';
import { openOrm } from '../db/orm';
import { forkSql, run, select } from '../db/sql';
import { codeVersion, httpClient, numberArg, percentiles, printTable, round, writeResults } from './lib';
import { startStack } from './stack';

const ADJECTIVES = ['Limited', 'Classic', 'Vintage', 'Urban', 'Premium', 'Retro', 'Signature', 'Essential', 'Original', 'Deluxe'];
const COLOURS = ['red', 'blue', 'black', 'white', 'green', 'grey', 'olive', 'navy', 'sand', 'pink', 'teal', 'ivory'];
const NOUNS = ['sneaker', 'hoodie', 'jacket', 'cap', 'tote', 'boot', 'scarf', 'backpack', 'watch', 'tee', 'jersey', 'sandal', 'beanie'];

/** What visitors type: common words (thousands of matches), rare numbers, sku fragments, several words, short words. */
const QUERIES = ['sneaker', 'Vintage', 'navy hoodie', '4711', 'srch-99', 'SRCH-12345', 'limited red boot', 'eak', 'ca', 'olive 777', 'nothing-matches-this'];

const nameOf = (n: number) => `${ADJECTIVES[n % ADJECTIVES.length]} ${COLOURS[Math.floor(n / 7) % COLOURS.length]} ${NOUNS[Math.floor(n / 3) % NOUNS.length]} ${n}`;

async function seed(databaseUrl: string, redisUrl: string, wanted: number): Promise<{ products: number; seededSeconds: number }> {
  const orm = await openOrm(databaseUrl); // MikroORM creates the missing database
  try {
    await migrateUp(orm);
    const em = forkSql(orm);
    const [{ count }] = await select<{ count: number }>(em, 'SELECT COUNT(*) AS count FROM product');
    const started = performance.now();
    const BATCH = 2_000;
    for (let from = Number(count); from < wanted; from += BATCH) {
      const numbers = Array.from({ length: Math.min(BATCH, wanted - from) }, (_, index) => from + index + 1);
      // The triggers of Migration20261206030000_product_search write each row's trigrams in the same statement.
      await run(em, `INSERT INTO product (sku, name, price_cents, stock) VALUES ${numbers.map(() => '(?, ?, ?, 1000)').join(', ')}`, numbers.flatMap((n) => [`SRCH-${n}`, nameOf(n), 500 + (n % 5_000)]));
      if ((from / BATCH) % 10 === 0) console.log(`[search] seeded ${from + numbers.length} of ${wanted} products`);
    }
    const [{ total }] = await select<{ total: number }>(em, 'SELECT COUNT(*) AS total FROM product');
    // Availability of every product in the benchmarks' Redis database, written in bulk (SET NX keeps any there), so the
    // API does not rebuild 100,000 of them one by one as it starts.
    const redis = await connectRedis(redisUrl);
    try {
      for (let from = 1; from <= Number(total); from += 10_000) {
        const pipeline = redis.pipeline();
        for (let id = from; id < from + 10_000 && id <= Number(total); id++) pipeline.set(availabilityKey(id), 1_000, 'NX');
        await pipeline.exec();
      }
    } finally {
      redis.disconnect();
    }
    return { products: Number(total), seededSeconds: round((performance.now() - started) / 1000, 1) };
  } finally {
    await orm.close();
  }
}

/** `connections` loops asking `pathOf(i)` for `seconds`; latencies of 200 answers, statuses of all. */
async function measure(client: ReturnType<typeof httpClient>, connections: number, seconds: number, pathOf: (i: number) => string) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const answer = await client.request('GET', pathOf(next++));
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 200) latencies.push(answer.ms);
      }
    }),
  );
  return { requestsPerSecond: round(latencies.length / seconds), latencyMs: percentiles(latencies), statuses };
}

async function main(): Promise<void> {
  const wanted = numberArg('products', 'SEARCH_PRODUCTS', 100_000);
  const seconds = numberArg('seconds', 'SEARCH_SECONDS', 8);
  const connections = numberArg('connections', 'SEARCH_CONNECTIONS', 4);
  const code = codeVersion();
  const databaseUrl = process.env.BENCH_SEARCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/order_saga_bench_search';

  console.log(`[search] seeding ${databaseUrl} to ${wanted} products…`);
  const seeded = await seed(databaseUrl, loadConfig().REDIS_URL, wanted);
  console.log(`[search] ${seeded.products} products (${seeded.seededSeconds}s to seed); starting a fresh stack…`);
  const stack = await startStack({ name: 'search', env: { DATABASE_URL: databaseUrl } });
  const client = httpClient(stack.apiUrl, connections);
  try {
    const search = (i: number) => `/products?q=${encodeURIComponent(QUERIES[i % QUERIES.length])}&limit=20`;
    const product = (i: number) => `/products/${1 + ((i * 7_919) % seeded.products)}`;
    await measure(client, connections, 2, (i) => (i % 2 === 0 ? search(i) : product(i))); // warm-up: JIT, pools, buffer pool
    const searchResult = await measure(client, connections, seconds, search);
    const productResult = await measure(client, connections, seconds, product);
    const perQuery = [];
    for (const q of QUERIES) perQuery.push({ q, ...(await measure(client, 1, 0.5, () => `/products?q=${encodeURIComponent(q)}&limit=20`)).latencyMs });

    const summary = {
      benchmark: 'search',
      at: new Date().toISOString(),
      code,
      machine: { cores: 2, note: 'the API, MariaDB and the load generator share the machine, and other work may run on it' },
      parameters: { products: seeded.products, seconds, connections, limit: 20, queries: QUERIES },
      seeded,
      search: searchResult,
      productById: productResult,
      perQuery,
    };
    console.log(JSON.stringify(summary, null, 2));
    const row = (name: string, result: typeof searchResult): [string, ...Array<string | number>] => [name, result.requestsPerSecond, result.latencyMs.p50, result.latencyMs.p99, JSON.stringify(result.statuses)];
    printTable(`${seeded.products} products, ${connections} connections, ${seconds}s each`, [
      ['endpoint', 'req/s', 'median ms', 'p99 ms', 'statuses'],
      row('GET /products?q=…&limit=20', searchResult),
      row('GET /products/:id', productResult),
    ]);
    printTable('Each query alone (1 connection, 0.5 s)', [['q', 'median ms', 'p99 ms'], ...perQuery.map((entry): [string, number, number] => [entry.q, entry.p50, entry.p99])]);
    console.log(`\nresults: ${writeResults('search', summary)}`);
  } finally {
    client.close();
    await stack.stop({ keepLogs: process.env.BENCH_KEEP_LOGS === '1' });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
