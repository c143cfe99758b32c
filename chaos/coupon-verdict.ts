/**
 * The fault run's coupon verdict. The invariants of issue 24 (issued <= quantity, redeemed <= issued, every redeemed
 * claim held by one order that is CONFIRMED or in flight) are I7 of the checker (check/coupon-invariants.ts), which the
 * verdict runs with the others; its figures come from the same reader (check/coupon-snapshot.ts). What only the run
 * knows is checked here:
 *   - every claim answered 201 is recorded in MySQL, and no coupon answered more claims than its quantity;
 *   - every CONFIRMED order with a coupon holds exactly one claim of it, and was paid its lines less the discount;
 *   - a claim released by a compensation is claimable by its buyer again: a cancelled coupon order's buyer ordering
 *     again with the claim is not refused it, and at rest `GET /me/coupons` lists every claim of every buyer that no
 *     CONFIRMED order consumed;
 *   - a buyer who held the claim was never refused the coupon at checkout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readCouponTables } from '../check/coupon-snapshot';
import type { InvariantSummary } from '../check/invariants';
import { forkSql, select } from '../db/sql';
import { ApiClient, type BuyerRecord } from './buyers';
import type { RunCoupon } from './coupons';
import type { ChaosStack } from './stack';

export interface CouponFigures {
  code: string;
  quantity: number;
  perBuyer: number;
  issued: number;
  /** Claims held by an order (at rest: CONFIRMED ones, which consume them). */
  redeemed: number;
  remaining: number;
  /** Buyers answered 201 (or who found their claim after an unanswered try). */
  claimsAnswered: number;
  /** Buyers refused COUPONS_EXHAUSTED. */
  exhaustedAnswers: number;
  /** Orders that named the coupon, and those of them CONFIRMED. */
  orders: number;
  confirmed: number;
}

export interface CouponBreach {
  code: string;
  subject: string;
  problem: string;
}

export interface CouponVerdict {
  /** I7 as the checker found it (null: the checker gave no result). */
  invariant: InvariantSummary | null;
  coupons: CouponFigures[];
  /** Buyers who cancelled an order that used a coupon and ordered again with the claim given back; those accepted. */
  orderedAgain: { buyers: number; accepted: number };
  /**
   * What the reconciler did to the coupons' Redis counts during the run, from the workers' logs (its coupon pass is
   * logged, not in the reconcile workflow's report): counts rebuilt after a flush, and drift repaired (a count left
   * low by an API killed between the gate and MySQL's record, which under-issues until repaired: reported, not a breach).
   */
  reconciler: { rebuilt: number; repairs: Array<{ code: string; before: number; after: number | null }> };
  breaches: CouponBreach[];
}

const CHECKOUT = /^(POST \/orders|POST \/carts\/:id\/checkout) (409|422) COUPON_/;

export async function judgeCoupons(stack: ChaosStack, records: BuyerRecord[], runCoupons: RunCoupon[], invariant: InvariantSummary | null): Promise<CouponVerdict> {
  const em = forkSql(stack.orm);
  const tables = await readCouponTables(em);
  const claims = await select<{ code: string; customer_id: string; order_id: string | null }>(
    em,
    'SELECT c.code, k.customer_id, k.order_id FROM coupon_claim k JOIN coupon c ON c.id = k.coupon_id',
  );
  const couponOrders = await select<{ id: string; customer_id: string; status: string; coupon_code: string; discount_cents: number | string; total_cents: number | string; lines_cents: number | string }>(
    em,
    `SELECT o.id, o.customer_id, o.status, o.coupon_code, o.discount_cents, o.total_cents,
            (SELECT SUM(l.quantity * l.unit_price_cents) FROM order_line l WHERE l.order_id = o.id) AS lines_cents
       FROM orders o WHERE o.coupon_code IS NOT NULL`,
  );
  const breaches: CouponBreach[] = [];
  const breach = (code: string, subject: string, problem: string) => void breaches.push({ code, subject, problem });

  const coupons = runCoupons.map((run): CouponFigures => {
    const table = tables.find((coupon) => coupon.code === run.code);
    const buyers = records.filter((record) => record.coupon?.code === run.code);
    const claimsAnswered = buyers.filter((record) => record.coupon!.claim === 'CLAIMED').length;
    const orders = couponOrders.filter((order) => order.coupon_code === run.code);
    if (claimsAnswered > run.quantity) breach(run.code, 'coupon', `${claimsAnswered} buyers were answered a claim, more than its quantity ${run.quantity}`);
    return {
      code: run.code,
      quantity: run.quantity,
      perBuyer: run.perBuyer,
      issued: table?.issued ?? 0,
      redeemed: table?.redeemed.length ?? 0,
      remaining: run.quantity - (table?.issued ?? 0),
      claimsAnswered,
      exhaustedAnswers: buyers.filter((record) => record.coupon!.claim === 'EXHAUSTED').length,
      orders: orders.length,
      confirmed: orders.filter((order) => order.status === 'CONFIRMED').length,
    };
  });

  for (const record of records) {
    const coupon = record.coupon;
    if (!coupon) continue;
    const buyer = `buyer ${record.plan.index} (${record.plan.customerId})`;
    if (coupon.claim === 'CLAIMED' && !claims.some((claim) => claim.code === coupon.code && claim.customer_id === record.plan.customerId)) {
      breach(coupon.code, buyer, 'was answered a claim that MySQL has no record of');
    }
    const refused = record.events.find((event) => CHECKOUT.test(event));
    if (coupon.ordered && refused) breach(coupon.code, buyer, `held a claim, yet the checkout was refused the coupon: ${refused}`);
    if (coupon.again?.answer.includes('COUPON_')) breach(coupon.code, buyer, `ordered again with the claim its cancel gave back and was refused: ${coupon.again.answer}`);
  }

  for (const order of couponOrders.filter((candidate) => candidate.status === 'CONFIRMED')) {
    const held = claims.filter((claim) => claim.order_id === order.id);
    if (held.length !== 1 || held[0].code !== order.coupon_code) breach(order.coupon_code, `order ${order.id}`, `CONFIRMED with the coupon, yet it holds ${held.length} claim(s) of it`);
    const discount = Number(order.discount_cents);
    if (discount <= 0 || Number(order.total_cents) !== Number(order.lines_cents) - discount) {
      breach(order.coupon_code, `order ${order.id}`, `CONFIRMED for ${order.total_cents} cents: its lines come to ${order.lines_cents}, the discount is ${discount}`);
    }
  }

  // At rest, every claim no CONFIRMED order consumed is its buyer's to use: GET /me/coupons, as the buyer, lists it.
  const api = new ApiClient(stack.apiUrl, stack.env.AUTH_JWT_SECRET!, 10_000);
  const holders = [...new Set(claims.map((claim) => claim.customer_id))];
  let next = 0;
  const lane = async () => {
    for (;;) {
      const customerId = holders[next++];
      if (customerId === undefined) return;
      const unused = new Map<string, number>();
      for (const claim of claims) {
        if (claim.customer_id !== customerId) continue;
        const consumed = claim.order_id !== null && couponOrders.some((order) => order.id === claim.order_id && order.status === 'CONFIRMED');
        if (!consumed) unused.set(claim.code, (unused.get(claim.code) ?? 0) + 1);
      }
      const answer = await api.request('GET', '/me/coupons', undefined, await api.authorization({ customerId }));
      if (typeof answer === 'string' || answer.status !== 200) {
        breach('-', customerId, `GET /me/coupons was not answered at rest: ${typeof answer === 'string' ? answer : answer.status}`);
        continue;
      }
      const listed = new Map<string, number>();
      for (const claim of answer.body.data as Array<{ code: string }>) listed.set(claim.code, (listed.get(claim.code) ?? 0) + 1);
      for (const code of new Set([...unused.keys(), ...listed.keys()])) {
        if ((unused.get(code) ?? 0) !== (listed.get(code) ?? 0)) {
          breach(code, customerId, `holds ${unused.get(code) ?? 0} claim(s) no CONFIRMED order consumed, but GET /me/coupons lists ${listed.get(code) ?? 0}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));

  const again = records.filter((record) => record.coupon?.again);
  return {
    invariant,
    coupons,
    orderedAgain: { buyers: again.length, accepted: again.filter((record) => record.coupon!.again!.answer === '201').length },
    reconciler: reconcilerCouponLines(stack.logDir),
    breaches,
  };
}

/** The coupon lines of the reconciler in the parts' logs (pino JSON, one object a line). */
function reconcilerCouponLines(logDir: string): CouponVerdict['reconciler'] {
  const found: CouponVerdict['reconciler'] = { rebuilt: 0, repairs: [] };
  for (const file of readdirSync(logDir).filter((name) => name.endsWith('.log'))) {
    for (const line of readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (!line.includes('coupon count')) continue;
      let entry: { msg?: string; code?: string; before?: number; after?: number | null };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry.msg === 'lost coupon count rebuilt from MySQL') found.rebuilt += 1;
      if (entry.msg === 'coupon count drift repaired') found.repairs.push({ code: String(entry.code), before: Number(entry.before), after: entry.after ?? null });
    }
  }
  return found;
}
