import { Migration } from '@mikro-orm/migrations';

/**
 * Every payment attempt a buyer makes through the API, whatever its outcome: the per-order attempt cap counts them,
 * and the provider's decline reason is kept here for staff (buyers are only told PAYMENT_DECLINED).
 */
export class Migration20261128020000PaymentAttempts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE payment_attempt (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_id VARCHAR(64) NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        -- PENDING until answered, then CONFIRMED, DECLINED, FAILED, UNAVAILABLE, NOT_PAYABLE, REFUSED (over the cap) or ERROR.
        outcome VARCHAR(16) NOT NULL,
        -- Staff only: the provider's decline code or the failure's detail.
        reason VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY payment_attempt_order_idx (order_id, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE payment_attempt');
  }
}
