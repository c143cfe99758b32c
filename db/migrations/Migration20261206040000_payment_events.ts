import { Migration } from '@mikro-orm/migrations';

/**
 * What the payment provider announced (POST /payments/events): one row per event id, so a repeated delivery records
 * nothing twice; and the amount refunded on each payment, which GET /orders/:id shows as `refundedCents`.
 */
export class Migration20261206040000PaymentEvents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE payment_event (
        id VARCHAR(64) NOT NULL,
        type VARCHAR(32) NOT NULL,
        authorization_id VARCHAR(128) NOT NULL,
        -- The authorisation's reference at the provider: the order id.
        order_id VARCHAR(64) NOT NULL,
        amount_cents BIGINT NOT NULL,
        -- 1: made at the provider by someone else than the service's own saga (staff were told).
        outside TINYINT(1) NOT NULL,
        received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY payment_event_order_idx (order_id, received_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    this.addSql('ALTER TABLE payment ADD COLUMN refunded_cents BIGINT NOT NULL DEFAULT 0');
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE payment DROP COLUMN refunded_cents');
    this.addSql('DROP TABLE payment_event');
  }
}
