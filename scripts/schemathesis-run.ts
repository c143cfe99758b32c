/**
 * `tsx scripts/schemathesis-run.ts`: schemathesis against a real stack (bench/stack.ts: Temporal dev server, payment
 * stand-in, worker and API as processes), with its default checks, bounded. Used by .ci/suites/schemathesis.sh, which
 * installs schemathesis into a venv and passes its path in SCHEMATHESIS_BIN.
 *
 * The stack has its own ports (SCHEMATHESIS_BASE_PORT, 31200, and the next three), MySQL database and Redis database
 * (SCHEMATHESIS_DATABASE_URL, SCHEMATHESIS_REDIS_URL). A few products exist so that ids can name real ones. Two
 * passes: requests carrying a token with every role, so each operation is reachable; then as a buyer alone (role
 * customer) on the buyer's routes, carts and orders, as a hostile shopper would call them. Exits with the first
 * failing pass's status (0 when both pass).
 */
process.env.BENCH_DATABASE_URL = process.env.SCHEMATHESIS_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/order_saga_schemathesis';
process.env.BENCH_REDIS_URL = process.env.SCHEMATHESIS_REDIS_URL ?? 'redis://127.0.0.1:6379/11';
import { spawn } from 'node:child_process';

async function main(): Promise<void> {
  // After the environment above: bench/stack.ts reads it when imported.
  const { startStack } = await import('../bench/stack');
  const { benchToken } = await import('../bench/tokens');
  const base = Number(process.env.SCHEMATHESIS_BASE_PORT ?? 31200);
  const stack = await startStack({ name: 'schemathesis', apiPort: base, paymentsPort: base + 1, temporalPort: base + 2, uiPort: base + 3, env: { RESERVATION_TTL: '1m', TEMPORAL_CALL_TIMEOUT: '5s' } });
  let status = 1;
  try {
    const authorization = `Bearer ${benchToken('schemathesis', ['customer', 'admin', 'operator'])}`;
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${stack.apiUrl}/products`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ sku: `st-${Date.now()}-${i}`, name: 'Schemathesis product', priceCents: 1_000, stock: 1_000 }),
      });
    }
    const bin = process.env.SCHEMATHESIS_BIN ?? 'schemathesis';
    const pass = (label: string, token: string, extra: string[]) => {
      const args = [
        'run',
        `${stack.apiUrl}/openapi.json`,
        '--url',
        stack.apiUrl,
        '--header',
        `Authorization: ${token}`,
        '--max-examples',
        process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '25',
        '--request-timeout',
        '20',
        '--max-response-time',
        '15',
        '--seed',
        process.env.SCHEMATHESIS_SEED ?? '20261128',
        '--no-color',
        ...extra,
      ];
      console.log(`[schemathesis] pass: ${label}`);
      return new Promise<number>((resolve) => {
        const child = spawn(bin, args, { stdio: 'inherit' });
        child.on('exit', (code) => resolve(code ?? 1));
        child.on('error', (error) => {
          console.error(`schemathesis did not start: ${error.message}`);
          resolve(1);
        });
      });
    };
    status = await pass('every role', authorization, []);
    const buyer = `Bearer ${benchToken('schemathesis-buyer', ['customer'])}`;
    const asBuyer = await pass('as a buyer: carts and orders', buyer, ['--include-path-regex', '^/(carts|orders)']);
    if (status === 0) status = asBuyer;
  } finally {
    await stack.stop();
  }
  process.exit(status);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
