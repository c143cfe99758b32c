import { Migration } from '@mikro-orm/migrations';

/**
 * Signed webhooks: the endpoints staff register, the events recorded with the order's status (an outbox written in
 * the same transaction as the order record), one delivery per event and endpoint, and every attempt at it.
 * `events` holds the subscribed types comma-separated with a comma at each end (",order.confirmed,order.failed,"),
 * so one LIKE finds an endpoint's subscription without a JSON function.
 */
export class Migration20261128100000Webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE webhook_endpoint (
        id VARCHAR(40) NOT NULL,
        url VARCHAR(2048) NOT NULL,
        events VARCHAR(512) NOT NULL,
        secret VARCHAR(100) NOT NULL,
        previous_secret VARCHAR(100) NULL,
        previous_secret_until DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        deleted_at DATETIME(3) NULL,
        PRIMARY KEY (id),
        KEY webhook_endpoint_active_idx (deleted_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE webhook_event (
        id VARCHAR(64) NOT NULL,
        type VARCHAR(32) NOT NULL,
        payload TEXT NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE webhook_delivery (
        event_id VARCHAR(64) NOT NULL,
        endpoint_id VARCHAR(40) NOT NULL,
        status VARCHAR(16) NOT NULL DEFAULT 'PENDING',
        attempts INT NOT NULL DEFAULT 0,
        last_status_code INT NULL,
        last_error VARCHAR(500) NULL,
        delivered_at DATETIME(3) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (event_id, endpoint_id),
        KEY webhook_delivery_endpoint_created_idx (endpoint_id, created_at),
        CONSTRAINT webhook_delivery_event_fk FOREIGN KEY (event_id) REFERENCES webhook_event (id) ON DELETE CASCADE,
        CONSTRAINT webhook_delivery_status_known CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'CANCELLED'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE webhook_attempt (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        event_id VARCHAR(64) NOT NULL,
        endpoint_id VARCHAR(40) NOT NULL,
        attempt INT NOT NULL,
        status_code INT NULL,
        error VARCHAR(500) NULL,
        duration_ms INT NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY webhook_attempt_delivery_idx (endpoint_id, event_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    for (const table of ['webhook_attempt', 'webhook_delivery', 'webhook_event', 'webhook_endpoint']) this.addSql(`DROP TABLE IF EXISTS ${table}`);
  }
}
