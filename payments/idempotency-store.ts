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

/**
 * Idempotency records keyed by scope (method + path + Idempotency-Key). Records never expire: the
 * stand-in lives for one run, whereas Stripe keeps them for 24 hours.
 */
export class IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();
  /** Executions per scope, including abandoned ones, so "fail the first N tries" can be counted. */
  private readonly tries = new Map<string, number>();

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
