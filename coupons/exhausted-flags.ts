/**
 * Coupons this process has seen run out, so the next claim of one is refused without a Redis round trip: during a drop
 * nearly every claim comes after the last coupon went, and this makes the refusal as cheap as a health check (as
 * inventory/sold-out-flags.ts does for sold-out products).
 *
 * Issued claims never come back to the pool (a compensation gives a claim back to its buyer, not to the drop), so a
 * coupon out of claims stays out. A flag still ends after `maxAgeMs`: the one way claims reappear is a repair of a
 * count that drifted low (coupons/drift-repair.ts), and a stale flag can only refuse a claim, never issue one.
 */
export class ExhaustedCoupons {
  private readonly flags = new Map<string, number>();

  constructor(private readonly maxAgeMs = DEFAULT_EXHAUSTED_MAX_AGE_MS) {}

  mark(code: string): void {
    this.flags.set(code, Date.now());
  }

  has(code: string): boolean {
    const at = this.flags.get(code);
    if (at === undefined) return false;
    if (Date.now() - at < this.maxAgeMs) return true;
    this.flags.delete(code);
    return false;
  }
}

/** Long enough to spare Redis nearly every refusal of a drop; short enough that a repaired count reopens soon. */
export const DEFAULT_EXHAUSTED_MAX_AGE_MS = 5_000;
