import { EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * A first-come coupon (coupons/): `quantity` claims are issued, at most `perBuyer` to one buyer, while it is active
 * (not disabled, within its window). Exactly one of `percentOff` and `amountOffCents` is set (a CHECK says so), and
 * `issued` never passes `quantity` (the claim's conditional UPDATE, and a CHECK). The schema is the migration's
 * (Migration20261206000000_coupons); this describes it for the ORM.
 */
export interface CouponRow {
  id: number;
  code: string;
  name: string;
  percentOff: number | null;
  amountOffCents: number | null;
  quantity: number;
  perBuyer: number;
  issued: number & Opt;
  startsAt: Date | null;
  endsAt: Date | null;
  minTotalCents: number | null;
  /** ",3,7," (NULL: every product). */
  productIds: string | null;
  disabledAt: Date | null;
  createdAt: Date & Opt;
}

export const CouponEntity = new EntitySchema<CouponRow>({
  name: 'Coupon',
  tableName: 'coupon',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true, unsigned: true },
    code: { type: 'string', length: 32, unique: 'coupon_code_unique' },
    name: { type: 'string', length: 200 },
    percentOff: { type: 'integer', nullable: true },
    // BIGINT in MySQL like every money column, mapped as a number (bounded far below 2^53 by config/bounds.ts).
    amountOffCents: { type: 'integer', nullable: true },
    quantity: { type: 'integer' },
    perBuyer: { type: 'integer' },
    issued: { type: 'integer', default: 0 },
    startsAt: { type: 'datetime', length: 3, nullable: true },
    endsAt: { type: 'datetime', length: 3, nullable: true },
    minTotalCents: { type: 'integer', nullable: true },
    productIds: { type: 'string', length: 1200, nullable: true },
    disabledAt: { type: 'datetime', length: 3, nullable: true },
    createdAt: { type: 'datetime', length: 3, onCreate: () => new Date() },
  },
});
