/**
 * Coupons and their claims in MySQL, the durable record (Redis's gate, coupons/gate.ts, only mirrors it). A claim is
 * recorded in one transaction that raises coupon.issued only while it is below the quantity and the coupon is active,
 * and counts the buyer's claims under the coupon row's lock: MySQL alone never over-issues, whatever Redis says.
 */
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { fromMysqlUtc, mysqlUtc } from '../db/sql';
import { CouponEntity } from '../db/entities';
import { isDuplicateKey } from '../db/errors';
import { forkSql, run, select, type Sql } from '../db/sql';
import type { WebhookEvent } from '../webhooks/events';
import type { CouponCounts } from './gate';

export interface NewCoupon {
  code: string;
  name: string;
  percentOff?: number;
  amountOffCents?: number;
  quantity: number;
  perBuyer: number;
  startsAt?: Date;
  endsAt?: Date;
  minTotalCents?: number;
  productIds?: number[];
}

export interface Coupon {
  id: number;
  code: string;
  name: string;
  percentOff: number | null;
  amountOffCents: number | null;
  quantity: number;
  perBuyer: number;
  /** Claims recorded (never more than quantity). */
  issued: number;
  /** Claims an order has redeemed: orders in flight and CONFIRMED ones (a compensation gives the claim back). */
  redeemed: number;
  startsAt: Date | null;
  endsAt: Date | null;
  minTotalCents: number | null;
  /** The products it takes money off; null: every product. */
  productIds: number[] | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface Claim {
  id: string;
  couponId: number;
  customerId: string;
  claimedAt: Date;
}

export class CouponCodeTakenError extends Error {
  constructor(readonly code: string) {
    super(`a coupon with code "${code}" exists`);
    this.name = 'CouponCodeTakenError';
  }
}

export const newClaimId = (): string => `clm_${randomBytes(12).toString('hex')}`;

/** Inserts a coupon; the unique key on code (not a prior lookup) decides, so two racing creates cannot both win. */
export async function createCoupon(orm: MikroORM, input: NewCoupon): Promise<Coupon> {
  const em = forkSql(orm);
  em.create(CouponEntity, {
    code: input.code,
    name: input.name,
    percentOff: input.percentOff ?? null,
    amountOffCents: input.amountOffCents ?? null,
    quantity: input.quantity,
    perBuyer: input.perBuyer,
    startsAt: input.startsAt ?? null,
    endsAt: input.endsAt ?? null,
    minTotalCents: input.minTotalCents ?? null,
    productIds: input.productIds ? `,${input.productIds.join(',')},` : null,
    disabledAt: null,
  });
  try {
    await em.flush();
  } catch (error) {
    if (isDuplicateKey(error)) throw new CouponCodeTakenError(input.code);
    throw error;
  }
  return (await findCoupon(orm, input.code))!;
}

interface CouponRecord {
  id: number;
  code: string;
  name: string;
  percent_off: number | null;
  amount_off_cents: number | string | null;
  quantity: number;
  per_buyer: number;
  issued: number;
  redeemed: number | string;
  starts_at: string | Date | null;
  ends_at: string | Date | null;
  min_total_cents: number | string | null;
  product_ids: string | null;
  disabled_at: string | Date | null;
  created_at: string | Date;
}

const orNull = <T, R>(value: T | null, map: (value: T) => R): R | null => (value === null ? null : map(value));

function toCoupon(row: CouponRecord): Coupon {
  return {
    id: Number(row.id),
    code: row.code,
    name: row.name,
    percentOff: orNull(row.percent_off, Number),
    amountOffCents: orNull(row.amount_off_cents, Number),
    quantity: Number(row.quantity),
    perBuyer: Number(row.per_buyer),
    issued: Number(row.issued),
    redeemed: Number(row.redeemed),
    startsAt: orNull(row.starts_at, fromMysqlUtc),
    endsAt: orNull(row.ends_at, fromMysqlUtc),
    minTotalCents: orNull(row.min_total_cents, Number),
    productIds: orNull(row.product_ids, (ids) => ids.split(',').filter(Boolean).map(Number)),
    disabledAt: orNull(row.disabled_at, fromMysqlUtc),
    createdAt: fromMysqlUtc(row.created_at),
  };
}

const COUPON_COLUMNS = `c.id, c.code, c.name, c.percent_off, c.amount_off_cents, c.quantity, c.per_buyer, c.issued,
  (SELECT COUNT(*) FROM coupon_claim r WHERE r.coupon_id = c.id AND r.order_id IS NOT NULL) AS redeemed,
  c.starts_at, c.ends_at, c.min_total_cents, c.product_ids, c.disabled_at, c.created_at`;

export async function findCoupon(orm: MikroORM, code: string): Promise<Coupon | null> {
  const [row] = await select<CouponRecord>(forkSql(orm), `SELECT ${COUPON_COLUMNS} FROM coupon c WHERE c.code = ?`, [code]);
  return row ? toCoupon(row) : null;
}

/** Every coupon, newest first. */
export async function listCoupons(orm: MikroORM): Promise<Coupon[]> {
  const rows = await select<CouponRecord>(forkSql(orm), `SELECT ${COUPON_COLUMNS} FROM coupon c ORDER BY c.id DESC`);
  return rows.map(toCoupon);
}

/** Disables a coupon: no more claims, and no redemption by a new order. Running it again keeps the first time. */
export async function disableCoupon(orm: MikroORM, code: string): Promise<Coupon | null> {
  await run(forkSql(orm), 'UPDATE coupon SET disabled_at = COALESCE(disabled_at, CURRENT_TIMESTAMP(3)) WHERE code = ?', [code]);
  return findCoupon(orm, code);
}

export type RecordedClaim = { outcome: 'CLAIMED'; claim: Claim; events?: WebhookEvent[] } | { outcome: 'EXHAUSTED' | 'ALREADY_CLAIMED' | 'NOT_ACTIVE' };

/**
 * Runs in the transaction of the claim that takes a coupon's last one (an outbox, as an order's events are recorded
 * with its status): answers the events it recorded, to be started after the commit.
 */
export type LastClaimHook = (em: Sql, lastClaim: { claim: Claim; code: string; quantity: number }) => Promise<WebhookEvent[]>;

/**
 * Records one claim, or says why MySQL refuses it. The coupon row is locked first, so claims of one coupon are recorded
 * one at a time: the window, the quantity and the buyer's share are checked against every claim committed before.
 */
export async function recordClaim(
  orm: MikroORM,
  couponId: number,
  customerId: string,
  { claimId = newClaimId(), onLastClaim }: { claimId?: string; onLastClaim?: LastClaimHook } = {},
): Promise<RecordedClaim> {
  return forkSql(orm).transactional(async (em): Promise<RecordedClaim> => {
    const [coupon] = await select<{ code: string; issued: number; quantity: number; per_buyer: number; active: number }>(
      em,
      `SELECT code, issued, quantity, per_buyer, (disabled_at IS NULL AND (starts_at IS NULL OR starts_at <= CURRENT_TIMESTAMP(3))
         AND (ends_at IS NULL OR ends_at > CURRENT_TIMESTAMP(3))) AS active FROM coupon WHERE id = ? FOR UPDATE`,
      [couponId],
    );
    if (!coupon || Number(coupon.active) !== 1) return { outcome: 'NOT_ACTIVE' };
    if (Number(coupon.issued) >= Number(coupon.quantity)) return { outcome: 'EXHAUSTED' };
    // A locking read: it sees every claim committed, not a snapshot the transaction might keep.
    const [held] = await select<{ claims: number | string }>(em, 'SELECT COUNT(*) AS claims FROM coupon_claim WHERE coupon_id = ? AND customer_id = ? FOR UPDATE', [
      couponId,
      customerId,
    ]);
    if (Number(held.claims) >= Number(coupon.per_buyer)) return { outcome: 'ALREADY_CLAIMED' };
    // Still conditional: the CHECK (issued <= quantity) and this are the last line of defence, not the lock alone.
    const raised = await run(em, 'UPDATE coupon SET issued = issued + 1 WHERE id = ? AND issued < quantity', [couponId]);
    if (raised.affectedRows === 0) return { outcome: 'EXHAUSTED' };
    const claimedAt = new Date();
    await run(em, 'INSERT INTO coupon_claim (id, coupon_id, customer_id, claimed_at) VALUES (?, ?, ?, ?)', [claimId, couponId, customerId, mysqlUtc(claimedAt)]);
    const claim = { id: claimId, couponId, customerId, claimedAt };
    const last = Number(coupon.issued) + 1 === Number(coupon.quantity);
    const events = last && onLastClaim ? await onLastClaim(em, { claim, code: coupon.code, quantity: Number(coupon.quantity) }) : [];
    return { outcome: 'CLAIMED', claim, ...(events.length > 0 ? { events } : {}) };
  });
}

/** What a Redis rebuild needs: claims left to issue, and each buyer's claims. Null: no such coupon. */
export async function readCouponCounts(orm: MikroORM, couponId: number): Promise<CouponCounts | null> {
  const em = forkSql(orm);
  const [coupon] = await select<{ quantity: number; issued: number }>(em, 'SELECT quantity, issued FROM coupon WHERE id = ?', [couponId]);
  if (!coupon) return null;
  const buyers = await select<{ customer_id: string; claims: number | string }>(
    em,
    'SELECT customer_id, COUNT(*) AS claims FROM coupon_claim WHERE coupon_id = ? GROUP BY customer_id',
    [couponId],
  );
  return { couponId, left: Number(coupon.quantity) - Number(coupon.issued), buyers: buyers.map((row) => ({ customerId: row.customer_id, claims: Number(row.claims) })) };
}

/** A buyer's claims no order has redeemed (including those a compensation gave back), oldest first, with their coupon. */
export async function unusedClaimsOf(orm: MikroORM, customerId: string): Promise<Array<{ claim: Claim; coupon: Coupon }>> {
  const rows = await select<CouponRecord & { claim_id: string; claimed_at_claim: string | Date }>(
    forkSql(orm),
    `SELECT ${COUPON_COLUMNS}, k.id AS claim_id, k.claimed_at AS claimed_at_claim
       FROM coupon_claim k JOIN coupon c ON c.id = k.coupon_id
      WHERE k.customer_id = ? AND k.order_id IS NULL ORDER BY k.claimed_at, k.id`,
    [customerId],
  );
  return rows.map((row) => ({ claim: { id: row.claim_id, couponId: Number(row.id), customerId, claimedAt: fromMysqlUtc(row.claimed_at_claim) }, coupon: toCoupon(row) }));
}

/**
 * The saga's redemption step: one unused claim of the buyer's for this coupon becomes this order's, oldest first.
 * Idempotent under at-least-once delivery: a repeat finds the claim this order already holds (and the unique key on
 * order_id refuses a second one, should two repeats race). Returns the claim's id, or null when the buyer holds no
 * unused claim (the order is then refused).
 */
export async function redeemClaim(orm: MikroORM, { orderId, customerId, code }: { orderId: string; customerId: string; code: string }): Promise<string | null> {
  const held = await claimHeldBy(orm, orderId);
  if (held) return held;
  try {
    await run(
      forkSql(orm),
      `UPDATE coupon_claim SET order_id = ?, redeemed_at = CURRENT_TIMESTAMP(3)
        WHERE coupon_id = (SELECT id FROM coupon WHERE code = ?) AND customer_id = ? AND order_id IS NULL ORDER BY claimed_at, id LIMIT 1`,
      [orderId, code, customerId],
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // a repeat of this step raced this one and took a claim first
  }
  return claimHeldBy(orm, orderId);
}

/** The undo of redeemClaim: the order's claim goes back to its buyer, unused. Idempotent: nothing held, nothing done. */
export async function giveClaimBack(orm: MikroORM, orderId: string): Promise<boolean> {
  const result = await run(forkSql(orm), 'UPDATE coupon_claim SET order_id = NULL, redeemed_at = NULL WHERE order_id = ?', [orderId]);
  return result.affectedRows > 0;
}

async function claimHeldBy(orm: MikroORM, orderId: string): Promise<string | null> {
  const [row] = await select<{ id: string }>(forkSql(orm), 'SELECT id FROM coupon_claim WHERE order_id = ?', [orderId]);
  return row?.id ?? null;
}

/**
 * Whether the buyer holds a claim of the coupon this order may redeem (checked when an order names it, before any
 * stock is held): an unused one, or the one this very order redeemed already (a keyed retry whose first try's
 * workflow took the claim before its answer was lost joins that order; the redemption step finds the claim again).
 */
export async function holdsClaimFor(orm: MikroORM, customerId: string, couponId: number, orderId: string): Promise<boolean> {
  const [row] = await select<{ id: string }>(
    forkSql(orm),
    'SELECT id FROM coupon_claim WHERE coupon_id = ? AND customer_id = ? AND (order_id IS NULL OR order_id = ?) LIMIT 1',
    [couponId, customerId, orderId],
  );
  return row !== undefined;
}
