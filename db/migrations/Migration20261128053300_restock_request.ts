import { Migration } from '@mikro-orm/migrations';

/**
 * Restocks by Idempotency-Key: a retried restock finds its key here and adds nothing again. Written in the restock's
 * own transaction, so the key and the stock change commit together or not at all.
 */
export class Migration20261128053300RestockRequest extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE restock_request (
        product_id INT UNSIGNED NOT NULL,
        idempotency_key VARCHAR(255) NOT NULL,
        quantity INT NOT NULL,
        stock_after INT NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (product_id, idempotency_key),
        CONSTRAINT restock_request_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE restock_request');
  }
}
