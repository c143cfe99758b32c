/**
 * Finds coupons whose Redis count has drifted from MySQL and repairs them by the rebuild rule (count-sync.ts: drop the
 * count, new epoch, rebuild from one MySQL reading), never by writing a computed number, as inventory/drift-repair.ts
 * does for stock. A count drifts low when a claim's MySQL write failed after Redis lost its data (its give-back is
 * refused, rightly, then) or the API died between the two steps; high when a claim's MySQL write landed after a
 * rebuild read MySQL. High is harmless to the quantity (MySQL refuses the extra claim) but sends a claim on to be refused.
 */
import type { MikroORM } from '@mikro-orm/core';
import { forkSql, select } from '../db/sql';
import { rebuildCouponCount, resyncCouponCount } from './count-sync';
import type { CouponGate } from './gate';

export interface CouponDriftReport {
  checked: number;
  /** Coupons whose count Redis had lost: rebuilt from MySQL here. */
  rebuilt: string[];
  repairs: Array<{ code: string; quantity: number; issued: number; before: number; after: number | null }>;
  /** Coupons that looked drifted while claims were being recorded: looked at again by the next run. */
  leftAlone: string[];
}

interface CouponReading {
  id: number;
  code: string;
  quantity: number;
  issued: number;
}

const readCoupons = (orm: MikroORM, ids?: number[]): Promise<CouponReading[]> =>
  select<CouponReading>(
    forkSql(orm),
    `SELECT id, code, quantity, issued FROM coupon${ids ? ` WHERE id IN (${ids.map(() => '?').join(', ')})` : ''} ORDER BY id`,
    ids ?? [],
  ).then((rows) => rows.map((row) => ({ id: Number(row.id), code: row.code, quantity: Number(row.quantity), issued: Number(row.issued) })));

/**
 * Every coupon compared: Redis's count against quantity - issued. One that differs is read again, MySQL, Redis,
 * MySQL, and repaired only if MySQL's issued count did not move meanwhile (no claim was being recorded).
 */
export async function repairCouponDrift(orm: MikroORM, gate: CouponGate): Promise<CouponDriftReport> {
  const coupons = await readCoupons(orm);
  const report: CouponDriftReport = { checked: coupons.length, rebuilt: [], repairs: [], leftAlone: [] };
  for (const coupon of coupons) {
    const left = await gate.left(coupon.id);
    if (left === null) {
      if (await rebuildCouponCount(orm, gate, coupon.id)) report.rebuilt.push(coupon.code);
      continue;
    }
    if (left === coupon.quantity - coupon.issued) continue;
    const [first] = await readCoupons(orm, [coupon.id]);
    const before = await gate.left(coupon.id);
    const [second] = await readCoupons(orm, [coupon.id]);
    if (!first || !second || before === null || before === first.quantity - first.issued) continue;
    if (first.issued !== second.issued) {
      report.leftAlone.push(coupon.code);
      continue;
    }
    const after = await resyncCouponCount(orm, gate, coupon.id);
    report.repairs.push({ code: coupon.code, quantity: first.quantity, issued: first.issued, before, after });
  }
  return report;
}
