/**
 * An opt-in fault mode of the stand-in, for fault runs (`npm run chaos`): whatever the token, the provider
 * is slow, sometimes briefly unavailable, and sometimes loses its answer. Off unless configured.
 *
 *   PAYMENTS_FAULTS=latencyMs=50-400,failRate=0.1,loseAnswerRate=0.05[,seed=7]
 *
 * - latencyMs=a-b (or a single number): every request under /v1/authorizations waits a random time in [a, b] ms first.
 * - failRate: the share of those requests answered 503 api_error / temporarily_unavailable before anything runs;
 *   nothing is stored under the Idempotency-Key, so a retry runs for real (like tok_flaky).
 * - loseAnswerRate: the share of executed POSTs whose answer is stored under the key but never delivered: the key
 *   answers 409 idempotency_key_in_use until the connection is dropped, then a retry replays it (like tok_timeout).
 * - seed: makes the fault draws repeatable (default: Math.random).
 *
 * Stripe's semantics hold throughout: a replay is never faulted into a different answer, and a transient 503 never
 * runs the operation. /health and /v1/ledger (the operator's view) are never faulted.
 */

export interface PaymentFaults {
  /** Added latency, drawn uniformly from [min, max] ms. */
  latencyMs: { min: number; max: number };
  /** 0..1: requests answered 503 (not stored, not executed). */
  failRate: number;
  /** 0..1: executed POSTs whose stored answer is never delivered. */
  loseAnswerRate: number;
  /** Seed of the fault draws; undefined draws from Math.random. */
  seed?: number;
}

export interface FaultCounts {
  delayed: number;
  failed: number;
  lostAnswers: number;
}

const KEYS = ['latencyMs', 'failRate', 'loseAnswerRate', 'seed'] as const;

function rate(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new Error(`PAYMENTS_FAULTS: ${name} must be a number from 0 to 1, got "${text}"`);
  return value;
}

function milliseconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > 60_000) {
    throw new Error(`PAYMENTS_FAULTS: latencyMs must be whole milliseconds from 0 to 60000, got "${text}"`);
  }
  return value;
}

/** Parses the PAYMENTS_FAULTS text; undefined or blank means no faults. Throws with the offending part. */
export function parsePaymentFaults(text: string | undefined): PaymentFaults | undefined {
  if (text === undefined || text.trim() === '' || text.trim() === 'off') return undefined;
  const faults: PaymentFaults = { latencyMs: { min: 0, max: 0 }, failRate: 0, loseAnswerRate: 0 };
  for (const part of text.split(',').map((piece) => piece.trim()).filter(Boolean)) {
    const [name, value, ...rest] = part.split('=');
    if (value === undefined || rest.length > 0) throw new Error(`PAYMENTS_FAULTS: expected name=value, got "${part}"`);
    switch (name.trim() as (typeof KEYS)[number]) {
      case 'latencyMs': {
        const [low, high, ...more] = value.split('-');
        if (more.length > 0) throw new Error(`PAYMENTS_FAULTS: latencyMs must be "min-max" or one number, got "${value}"`);
        const min = milliseconds(low);
        const max = high === undefined ? min : milliseconds(high);
        if (max < min) throw new Error(`PAYMENTS_FAULTS: latencyMs range "${value}" ends before it starts`);
        faults.latencyMs = { min, max };
        break;
      }
      case 'failRate':
        faults.failRate = rate(name, value);
        break;
      case 'loseAnswerRate':
        faults.loseAnswerRate = rate(name, value);
        break;
      case 'seed': {
        const seed = Number(value);
        if (!Number.isSafeInteger(seed)) throw new Error(`PAYMENTS_FAULTS: seed must be a whole number, got "${value}"`);
        faults.seed = seed;
        break;
      }
      default:
        throw new Error(`PAYMENTS_FAULTS: unknown setting "${name}" (known: ${KEYS.join(', ')})`);
    }
  }
  return faults;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The draws and counts of one stand-in's fault mode. */
export class FaultInjector {
  readonly counts: FaultCounts = { delayed: 0, failed: 0, lostAnswers: 0 };
  private readonly random: () => number;

  constructor(readonly faults: PaymentFaults) {
    this.random = faults.seed === undefined ? Math.random : seededRandom(faults.seed);
  }

  /** Milliseconds to wait before handling a request (0: none). */
  latency(): number {
    const { min, max } = this.faults.latencyMs;
    if (max <= 0) return 0;
    const ms = Math.round(min + this.random() * (max - min));
    if (ms > 0) this.counts.delayed += 1;
    return ms;
  }

  /** Whether this request is answered 503 before it runs. */
  fail(): boolean {
    const failed = this.faults.failRate > 0 && this.random() < this.faults.failRate;
    if (failed) this.counts.failed += 1;
    return failed;
  }

  /** Whether this executed request's answer is lost. */
  loseAnswer(): boolean {
    const lost = this.faults.loseAnswerRate > 0 && this.random() < this.faults.loseAnswerRate;
    if (lost) this.counts.lostAnswers += 1;
    return lost;
  }
}
