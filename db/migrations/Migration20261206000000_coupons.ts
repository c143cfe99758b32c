import { Migration } from '@mikro-orm/migrations';

/**
 * First-come coupons (coupons/): a coupon admins register with a quantity, and the claims buyers make of it.
 *
 * `coupon.issued` counts the claims, and is raised by the claim's own transaction with `issued < quantity` in the
 * UPDATE: whatever Redis (the fast gate in front) says, MySQL never records more claims than the quantity, and the
 * CHECK is the last line of defence. `product_ids` holds the covered products comma-separated with a comma at each end
 * (",3,7,"; NULL: every product), as webhook_endpoint.events does. A claim's `order_id` is the order that redeemed it
 * (NULL: claimed, unused); the unique key makes one claim serve at most one order and one order use at most one claim.
 */
export class Migration20261206000000Coupons extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE coupon (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        code VARCHAR(32) NOT NULL,
        name VARCHAR(200) NOT NULL,
        percent_off INT NULL,
        amount_off_cents BIGINT NULL,
        quantity INT NOT NULL,
        per_buyer INT NOT NULL,
        issued INT NOT NULL DEFAULT 0,
        starts_at DATETIME(3) NULL,
        ends_at DATETIME(3) NULL,
        min_total_cents BIGINT NULL,
        product_ids VARCHAR(1200) NULL,
        disabled_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY coupon_code_unique (code),
        CONSTRAINT coupon_one_discount CHECK ((percent_off IS NULL) <> (amount_off_cents IS NULL)),
        CONSTRAINT coupon_percent_range CHECK (percent_off IS NULL OR percent_off BETWEEN 1 AND 100),
        CONSTRAINT coupon_amount_positive CHECK (amount_off_cents IS NULL OR amount_off_cents > 0),
        CONSTRAINT coupon_quantity_positive CHECK (quantity > 0 AND per_buyer > 0),
        CONSTRAINT coupon_issued_within_quantity CHECK (issued >= 0 AND issued <= quantity)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);

    this.addSql(`
      CREATE TABLE coupon_claim (
        id VARCHAR(40) NOT NULL,
        coupon_id INT UNSIGNED NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        claimed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        order_id VARCHAR(64) NULL,
        redeemed_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        UNIQUE KEY coupon_claim_order_unique (order_id),
        KEY coupon_claim_coupon_customer_idx (coupon_id, customer_id),
        KEY coupon_claim_customer_idx (customer_id, claimed_at),
        CONSTRAINT coupon_claim_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupon (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE coupon_claim');
    this.addSql('DROP TABLE coupon');
  }
}
