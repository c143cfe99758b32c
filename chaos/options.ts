import { parseDuration } from '../config';

/** Everything a fault run can be told; defaults are those of `npm run chaos`. */
export interface ChaosOptions {
  /** Buyers, one order attempt each. */
  orders: number;
  /** Length of the load window; arrivals and faults are spread over it. */
  durationMs: number;
  /** Seeds the buyers' plans and the fault schedule. */
  seed: number;
  /** Buyers in flight at once. */
  concurrency: number;
  /** Order worker processes. */
  workers: number;
  /** API instances behind the buyers (all on the same Redis, MySQL and Temporal); requests go round-robin. */
  apis: number;
  /** Products on sale (each order takes one or two of them). */
  products: number;
  /** Units of each product at the start. */
  stockPerProduct: number;
  /** RESERVATION_TTL of the API: short, so unpaid orders expire during the run. */
  holdMs: number;
  /** SIGKILLs of a random worker (restarted after 1–3 s). */
  workerKills: number;
  /** Stops of the Temporal dev server (SIGTERM or SIGKILL), restarted on the same SQLite file after 2–5 s. */
  temporalRestarts: number;
  /** FLUSHALL of the run's own Redis. */
  redisFlushes: number;
  /** Stops of one API instance while buyers talk to it (restarted after 0.5–2 s); the others keep serving. */
  apiKills: number;
  /** SIGKILLs of the payment stand-in, restarted after 0.5–3 s on the same ledger file. */
  paymentsRestarts: number;
  /** KILL CONNECTION of every connection the workers and APIs hold to the run's database. */
  mysqlKills: number;
  /** PAYMENTS_FAULTS of the payment stand-in for the whole run ('off' for a well-behaved provider). */
  paymentFaults: string;
  /** How long to wait, after the load, for every order to finish. */
  quietTimeoutMs: number;
  /** I4: how long past its hold an open order may stay open before it counts as stuck. */
  stuckAfterMs: number;
  /** Keep the database, the Temporal data and the logs afterwards. */
  keep: boolean;
  /** Where the JSON summary goes; null: nowhere. */
  resultsFile: string | null;
  /** Print only the JSON summary on stdout. */
  json: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_PAYMENT_FAULTS = 'latencyMs=50-400,failRate=0.1,loseAnswerRate=0.05';

/** Fault counts that grow with the run's length unless given: at least one of each kind, two flushes. */
export function defaultFaultCounts(
  durationMs: number,
): Pick<ChaosOptions, 'workerKills' | 'temporalRestarts' | 'redisFlushes' | 'apiKills' | 'paymentsRestarts' | 'mysqlKills'> {
  const seconds = durationMs / 1000;
  return {
    workerKills: Math.max(2, Math.round(seconds / 18)),
    temporalRestarts: Math.max(1, Math.round(seconds / 60)),
    redisFlushes: Math.max(2, Math.round(seconds / 30)),
    apiKills: Math.max(1, Math.round(seconds / 40)),
    paymentsRestarts: Math.max(1, Math.round(seconds / 45)),
    mysqlKills: Math.max(2, Math.round(seconds / 30)),
  };
}

export function defaultOptions(overrides: Partial<ChaosOptions> = {}): ChaosOptions {
  const durationMs = overrides.durationMs ?? 90_000;
  return {
    orders: 300,
    durationMs,
    seed: Math.floor(Math.random() * 2 ** 31),
    concurrency: 20,
    workers: 2,
    apis: 2,
    products: 3,
    stockPerProduct: 60,
    holdMs: 8_000,
    ...defaultFaultCounts(durationMs),
    paymentFaults: DEFAULT_PAYMENT_FAULTS,
    quietTimeoutMs: 180_000,
    stuckAfterMs: 90_000,
    keep: false,
    resultsFile: 'chaos/results/latest.json',
    json: false,
    ...overrides,
  };
}

export const USAGE = `usage: npm run chaos -- [options]
  --orders=N             buyers, one order each (default 300)
  --duration=<dur>       load window, e.g. 90s (default 90s); faults happen inside it
  --seed=N               repeat a run's buyers and fault schedule (default: random, printed)
  --concurrency=N        buyers in flight at once (default 20)
  --workers=N            order worker processes (default 2)
  --apis=N               API instances, requests spread round-robin (default 2)
  --products=N           products on sale (default 3)
  --stock=N              units of each product (default 60)
  --hold=<dur>           RESERVATION_TTL (default 8s)
  --worker-kills=N       SIGKILLs of a worker (default: 1 per 18 s of load, at least 2)
  --temporal-restarts=N  stops/restarts of the Temporal dev server (default: 1 per minute, at least 1)
  --redis-flushes=N      FLUSHALLs of the run's Redis (default: 1 per 30 s, at least 2)
  --api-kills=N          stops of one API instance at a time (default: 1 per 40 s, at least 1)
  --payments-restarts=N  SIGKILLs of the payment stand-in, restarted on its ledger (default: 1 per 45 s, at least 1)
  --mysql-kills=N        KILL CONNECTION of the parts' connections to the run's database (default: 1 per 30 s, at least 2)
  --payment-faults=<s>   PAYMENTS_FAULTS of the stand-in (default ${DEFAULT_PAYMENT_FAULTS}; 'off' for none)
  --quiet-timeout=<dur>  how long to wait for every order to finish after the load (default 180s)
  --stuck-after=<dur>    past its hold, an open order is stuck (default 90s)
  --keep                 keep the database, Temporal's data and the logs
  --results=<file>       JSON summary file (default chaos/results/latest.json); --no-results for none
  --json                 print only the JSON summary
Everything runs on 127.0.0.1 on free ports: its own redis-server, its own Temporal dev server, its own MySQL
database (chaos_<time>, dropped afterwards unless --keep). Exit code: 0 no breach, 1 a breach, stuck order or
double capture, 2 the run could not be carried out.`;

const COUNT_FLAGS = {
  orders: 'orders',
  seed: 'seed',
  concurrency: 'concurrency',
  workers: 'workers',
  apis: 'apis',
  products: 'products',
  stock: 'stockPerProduct',
  'worker-kills': 'workerKills',
  'temporal-restarts': 'temporalRestarts',
  'redis-flushes': 'redisFlushes',
  'api-kills': 'apiKills',
  'payments-restarts': 'paymentsRestarts',
  'mysql-kills': 'mysqlKills',
} as const;
const DURATION_FLAGS = { duration: 'durationMs', hold: 'holdMs', 'quiet-timeout': 'quietTimeoutMs', 'stuck-after': 'stuckAfterMs' } as const;

const LIMITS: Record<string, [number, number]> = {
  orders: [1, 100_000],
  seed: [0, 2 ** 31 - 1],
  concurrency: [1, 1_000],
  workers: [1, 8],
  apis: [1, 4],
  products: [1, 50],
  stock: [1, 1_000_000],
  'worker-kills': [0, 1_000],
  'temporal-restarts': [0, 100],
  'redis-flushes': [0, 1_000],
  'api-kills': [0, 1_000],
  'payments-restarts': [0, 100],
  'mysql-kills': [0, 1_000],
};

/** Parses argv (e.g. process.argv.slice(2)); fault counts not given follow the duration. */
export function parseChaosArgs(argv: string[]): ChaosOptions | 'help' {
  const given: Partial<ChaosOptions> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    const [, name, inline] = match;
    if (name === 'keep' || name === 'json' || name === 'no-results') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      if (name === 'keep') given.keep = true;
      else if (name === 'json') given.json = true;
      else given.resultsFile = null;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value\n${USAGE}`);
    if (name in COUNT_FLAGS) {
      const [min, max] = LIMITS[name];
      const number = Number(value);
      if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got "${value}"`);
      given[COUNT_FLAGS[name as keyof typeof COUNT_FLAGS]] = number;
    } else if (name in DURATION_FLAGS) {
      let ms: number;
      try {
        ms = parseDuration(value);
      } catch (error) {
        throw new UsageError(`--${name}: ${(error as Error).message}`);
      }
      if (ms <= 0) throw new UsageError(`--${name} must be more than 0`);
      given[DURATION_FLAGS[name as keyof typeof DURATION_FLAGS]] = ms;
    } else if (name === 'payment-faults') {
      given.paymentFaults = value;
    } else if (name === 'results') {
      given.resultsFile = value;
    } else {
      throw new UsageError(`unknown option --${name}\n${USAGE}`);
    }
  }
  return defaultOptions(given);
}
