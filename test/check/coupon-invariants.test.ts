/** I7 on hand-made snapshots: the coupon rules, no services needed. */
import { checkI7, type CouponSnapshot } from '../../check/coupon-invariants';
import { checkInvariants, type Snapshot } from '../../check/invariants';

const NOW = new Date('2026-12-06T04:00:00.000Z');
const secondsAgo = (n: number) => new Date(NOW.getTime() - n * 1_000);

const coupon = (overrides: Partial<CouponSnapshot> = {}): CouponSnapshot => ({ id: 1, code: 'DROP', quantity: 3, issued: 2, claims: 2, redeemed: [], left: 1, ...overrides });
const redeemedBy = (orderId: string, orderStatus: CouponSnapshot['redeemed'][number]['orderStatus'], ago = 60) => ({ claimId: `clm_${orderId}`, orderId, orderStatus, redeemedAt: secondsAgo(ago) });
const severities = (coupons: CouponSnapshot[]) => checkI7(coupons, NOW).map((finding) => finding.severity);

test('a coupon within its quantity, redeemed by orders in flight or confirmed, with Redis in step, is ok', () => {
  expect(checkI7([coupon({ redeemed: [redeemedBy('ord_a', 'RESERVED'), redeemedBy('ord_b', 'CONFIRMED')] })], NOW)).toEqual([]);
});

test.each([
  ['issued past the quantity', coupon({ issued: 4, claims: 4, left: null })],
  ['claims recorded that issued does not count', coupon({ claims: 3 })],
  ['more redeemed than issued', coupon({ issued: 1, claims: 1, left: 2, redeemed: [redeemedBy('ord_a', 'RESERVED'), redeemedBy('ord_b', 'CONFIRMED')] })],
  ['a claim kept by an expired order', coupon({ redeemed: [redeemedBy('ord_a', 'EXPIRED')] })],
  ['a claim kept by a failed order', coupon({ redeemed: [redeemedBy('ord_a', 'FAILED')] })],
  ['a claim redeemed by an order never recorded, long ago', coupon({ redeemed: [redeemedBy('ord_a', null, 60)] })],
  ['Redis counting below zero', coupon({ left: -1 })],
])('%s is a breach', (_case, snapshot) => {
  expect(severities([snapshot])).toContain('breach');
});

test('a claim redeemed a moment ago by an order not recorded yet, or Redis out of step, is only a warning', () => {
  expect(severities([coupon({ redeemed: [redeemedBy('ord_a', null, 2)] })])).toEqual(['warning']);
  expect(severities([coupon({ left: 3 })])).toEqual(['warning']);
});

test('I7 is summarised with the other invariants', () => {
  const snapshot: Snapshot = { takenAt: NOW, products: [], orders: [], inFlight: [], payments: { status: 'skipped', reason: 'test' }, temporal: { status: 'skipped', reason: 'test' }, coupons: [coupon({ issued: 4, claims: 4, left: null })] };
  const result = checkInvariants(snapshot, { stuckAfterMs: 120_000, quietRequired: true });
  expect(result.ok).toBe(false);
  expect(result.summary.I7).toEqual({ status: 'BREACH', breaches: 1, warnings: 0 });
});
