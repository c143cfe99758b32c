import type { Journal } from './journal';

/** A response as it will be replayed: status code and body, nothing else. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Begin =
  | { kind: 'started'; tryNumber: number }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'reused' }
  | { kind: 'in_use' };

interface IdempotencyRecord {
  fingerprint: string;
  /** Absent while the first request with the key is still executing. */
  response?: StoredResponse;
}

/** An answer recorded for a key, as the journal keeps it. */
export interface IdempotencyEntry {
  kind: 'answered';
  scope: string;
  fingerprint: string;
  response: StoredResponse;
}

/**
 * Idempotency records keyed by scope (method + path + Idempotency-Key). Records never expire (Stripe keeps them
 * for 24 hours). Given a journal, every answer is written down when it is decided, so after a restart a retry is
 * replayed rather than run again; a request still executing at the restart had no effect that needs its key.
 */
export class IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();
  /** Executions per scope, including abandoned ones, so "fail the first N tries" can be counted. */
  private readonly tries = new Map<string, number>();

  constructor(private readonly journal?: Journal, replay: IdempotencyEntry[] = []) {
    for (const entry of replay) this.records.set(entry.scope, { fingerprint: entry.fingerprint, response: entry.response });
  }

  /**
   * The answer is decided (the work is done): written down now, even when the caller is to hear it only later (or
   * never, a lost answer), so a restart in between still replays it. Until finish() it stays in flight here.
   */
  decided(scope: string, response: StoredResponse): void {
    const record = this.records.get(scope);
    if (record) this.journal?.append({ kind: 'answered', scope, fingerprint: record.fingerprint, response } satisfies IdempotencyEntry);
  }

  begin(scope: string, fingerprint: string): Begin {
    const record = this.records.get(scope);
    if (record) {
      if (record.fingerprint !== fingerprint) return { kind: 'reused' };
      if (!record.response) return { kind: 'in_use' };
      return { kind: 'replay', response: record.response };
    }
    this.records.set(scope, { fingerprint });
    const tryNumber = (this.tries.get(scope) ?? 0) + 1;
    this.tries.set(scope, tryNumber);
    return { kind: 'started', tryNumber };
  }

  finish(scope: string, response: StoredResponse): void {
    const record = this.records.get(scope);
    if (record) record.response = response;
  }

  /** Forgets an execution whose result must not be replayed (a transient failure), so a retry runs again. */
  abandon(scope: string): void {
    this.records.delete(scope);
  }
}
