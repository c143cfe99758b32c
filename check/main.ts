/**
 * `npm run check`: reads MySQL, Redis, the payment provider's books and Temporal, and reports the
 * invariants I1–I10 of docs/DESIGN.md §3 (I9, the waiting room: check/queue-invariants.ts) per product and per order (what each checks: check/invariants.ts).
 *
 * Exit code: 0 all invariants hold; 1 a breach (or, with --strict, a check skipped); 2 the checker could not run.
 *
 * Options (argv wins over the environment):
 *   --products=1,2          only these products, and orders with a line on one of them   (CHECK_PRODUCTS)
 *   --orders-since=<when>   only orders created since an ISO time, or a duration ago (30m) (CHECK_ORDERS_SINCE)
 *   --stuck-after=<dur>     I4 bound past an order's hold end (default 2m)                  (CHECK_STUCK_AFTER)
 *   --timeout=<dur>         per call to the provider and Temporal before they count as unreachable (default 5s) (CHECK_TIMEOUT)
 *   --quiet-required=false  mismatches that in-flight orders explain become warnings       (CHECK_QUIET_REQUIRED)
 *   --no-temporal           skip the Temporal cross-check of I4                            (CHECK_TEMPORAL=false)
 *   --no-payments           skip I3 (the payment provider)                                 (CHECK_PAYMENTS=false)
 *   --strict                a skipped check fails the run                                  (CHECK_STRICT)
 *   --json                  machine-readable output                                        (CHECK_JSON)
 * Connections come from the service configuration: DATABASE_URL, REDIS_URL, PAYMENTS_URL,
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (config/index.ts).
 */
import { loadConfig, parseDuration } from '../config';
import { openOrm } from '../db/orm';
import { connectRedis } from '../inventory/redis';
import { checkInvariants, INVARIANTS, type CheckResult } from './invariants';
import { formatJson, formatText } from './report';
import { takeSnapshot } from './snapshot';

export const EXIT_OK = 0;
export const EXIT_BREACH = 1;
export const EXIT_ERROR = 2;

export interface CliOptions {
  productIds?: number[];
  ordersSince?: Date;
  stuckAfterMs: number;
  timeoutMs: number;
  quietRequired: boolean;
  temporal: boolean;
  payments: boolean;
  strict: boolean;
  json: boolean;
  help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run check -- [options]
  --products=1,2          only these products, and orders with a line on one of them
  --orders-since=<when>   only orders created since an ISO time, or a duration ago (30m)
  --stuck-after=<dur>     I4: how long past its hold an open order may stay open (default 2m)
  --timeout=<dur>         per call to the payment provider / Temporal (default 5s)
  --quiet-required=false  I2/I3 mismatches that in-flight orders explain become warnings (default true)
  --no-temporal           skip the Temporal cross-check of I4
  --no-payments           skip I3 (the payment provider's books)
  --strict                a skipped check fails the run
  --json                  machine-readable output
Each option also reads CHECK_<NAME> (CHECK_PRODUCTS=1,2, CHECK_TEMPORAL=false, ...); argv wins.
Exit code: 0 ok, 1 breach (or skipped with --strict), 2 the checker could not run.`;

const FLAGS: Record<string, string> = {
  products: 'CHECK_PRODUCTS',
  'orders-since': 'CHECK_ORDERS_SINCE',
  'stuck-after': 'CHECK_STUCK_AFTER',
  timeout: 'CHECK_TIMEOUT',
  'quiet-required': 'CHECK_QUIET_REQUIRED',
  temporal: 'CHECK_TEMPORAL',
  payments: 'CHECK_PAYMENTS',
  strict: 'CHECK_STRICT',
  json: 'CHECK_JSON',
  help: 'CHECK_HELP',
};
const BOOLEAN_FLAGS = new Set(['quiet-required', 'temporal', 'payments', 'strict', 'json', 'help']);

function parseBoolean(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', ''].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`--${name}: not a boolean: "${text}"`);
}

/** Parses argv (e.g. process.argv.slice(2)) over the CHECK_* environment variables. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): CliOptions {
  const raw = new Map<string, string>();
  for (const [name, variable] of Object.entries(FLAGS)) {
    const value = env[variable];
    if (value !== undefined && value !== '') raw.set(name, value);
  }
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h') {
      raw.set('help', 'true');
      continue;
    }
    const match = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[2] in FLAGS)) throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    const [, negated, name, inline] = match;
    if (BOOLEAN_FLAGS.has(name)) {
      if (negated && inline !== undefined) throw new UsageError(`--no-${name} takes no value`);
      raw.set(name, negated ? 'false' : (inline ?? 'true'));
    } else {
      if (negated) throw new UsageError(`--no-${name} is not an option\n${USAGE}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value\n${USAGE}`);
      raw.set(name, value);
    }
  }

  const options: CliOptions = {
    stuckAfterMs: 2 * 60_000,
    timeoutMs: 5_000,
    quietRequired: true,
    temporal: true,
    payments: true,
    strict: false,
    json: false,
    help: false,
  };
  for (const [name, value] of raw) {
    switch (name) {
      case 'products': {
        const ids = value.split(',').map((part) => part.trim()).filter(Boolean);
        if (ids.length === 0 || ids.some((id) => !/^\d+$/.test(id))) throw new UsageError(`--products: expected ids like 1,2, got "${value}"`);
        options.productIds = [...new Set(ids.map(Number))];
        break;
      }
      case 'orders-since': {
        options.ordersSince = parseSince(value, now);
        break;
      }
      case 'stuck-after':
        options.stuckAfterMs = durationOption(name, value);
        break;
      case 'timeout':
        options.timeoutMs = durationOption(name, value);
        if (options.timeoutMs <= 0) throw new UsageError('--timeout must be more than 0');
        break;
      case 'quiet-required':
        options.quietRequired = parseBoolean(name, value);
        break;
      case 'temporal':
      case 'payments':
      case 'strict':
      case 'json':
      case 'help':
        options[name] = parseBoolean(name, value);
        break;
    }
  }
  return options;
}

function durationOption(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`--${name}: ${(error as Error).message}`);
  }
}

/** An ISO time, or a duration meaning that long ago ("1h"). */
function parseSince(text: string, now: Date): Date {
  try {
    return new Date(now.getTime() - parseDuration(text));
  } catch {
    // not a duration: an ISO time
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--orders-since: expected an ISO time (2026-11-21T09:00:00Z) or a duration (30m), got "${text}"`);
  return date;
}

function describeScope(options: CliOptions, config: { PAYMENTS_URL: string; TEMPORAL_ADDRESS: string }): string {
  const parts = [
    options.productIds ? `products ${options.productIds.join(',')}` : 'all products',
    options.ordersSince ? `orders since ${options.ordersSince.toISOString()}` : 'all orders',
    `stuck after ${Math.round(options.stuckAfterMs / 1000)}s`,
    options.quietRequired ? 'quiet required' : 'in-flight mismatches are warnings',
    options.payments ? `payments ${config.PAYMENTS_URL}` : 'payments off',
    options.temporal ? `temporal ${config.TEMPORAL_ADDRESS}` : 'temporal off',
  ];
  return parts.join('; ');
}

export interface RunOutcome {
  exitCode: number;
  /** The report (text or JSON), or the error message. */
  output: string;
  result?: CheckResult;
}

/** The whole check, without touching process state: tests call it directly. */
export async function run(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<RunOutcome> {
  let options: CliOptions;
  let config: ReturnType<typeof loadConfig>;
  try {
    options = parseOptions(argv, env);
    config = loadConfig(env);
  } catch (error) {
    return { exitCode: EXIT_ERROR, output: (error as Error).message };
  }
  if (options.help) return { exitCode: EXIT_OK, output: USAGE };

  let orm: Awaited<ReturnType<typeof openOrm>> | undefined;
  let redis: Awaited<ReturnType<typeof connectRedis>> | undefined;
  try {
    orm = await openOrm(config.DATABASE_URL);
    redis = await connectRedis(config.REDIS_URL);
    const snapshot = await takeSnapshot(
      {
        orm,
        redis,
        paymentsUrl: options.payments ? config.PAYMENTS_URL : null,
        // The key of the environment the checker was given (a fault run's stack has its own), not this process's.
        paymentsApiKey: config.PAYMENTS_API_KEY ?? '',
        temporal: options.temporal ? { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE } : null,
        timeoutMs: options.timeoutMs,
      },
      { productIds: options.productIds, ordersSince: options.ordersSince },
    );
    const result = checkInvariants(snapshot, { stuckAfterMs: options.stuckAfterMs, quietRequired: options.quietRequired });
    const context = { scope: describeScope(options, config) };
    const output = options.json ? formatJson(result, context) : formatText(result, context);
    const skipped = INVARIANTS.some((id) => result.summary[id].skipped !== undefined);
    const exitCode = !result.ok || (options.strict && skipped) ? EXIT_BREACH : EXIT_OK;
    return { exitCode, output, result };
  } catch (error) {
    return { exitCode: EXIT_ERROR, output: `check failed: ${(error as Error).message}` };
  } finally {
    await redis?.quit().catch(() => undefined);
    await orm?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  run().then(
    ({ exitCode, output }) => {
      (exitCode === EXIT_ERROR ? process.stderr : process.stdout).write(`${output}\n`);
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      process.stderr.write(`check failed: ${String(error)}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}
