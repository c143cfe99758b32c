import { Migration } from '@mikro-orm/migrations';

/** The coupon an order applies and what it took off (orders.total_cents is after the discount). NULL: no coupon. */
export class Migration20261206010000OrderCoupon extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE orders ADD COLUMN coupon_code VARCHAR(32) NULL, ADD COLUMN discount_cents BIGINT NULL,
      ADD CONSTRAINT orders_discount_with_coupon CHECK ((coupon_code IS NULL) = (discount_cents IS NULL) AND (discount_cents IS NULL OR discount_cents >= 0))`);
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE orders DROP CONSTRAINT orders_discount_with_coupon, DROP COLUMN coupon_code, DROP COLUMN discount_cents');
  }
}
