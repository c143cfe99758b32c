import { Migration } from '@mikro-orm/migrations';

/**
 * After the sale: refunds and returns of confirmed orders (workflows/after-sale.ts writes them), and stock movements
 * of kind RETURN. A return may bring back units of a product the order already has a SALE (and maybe a RESTORE) of,
 * and an order may have several returns, so a movement is now keyed by (order, product, kind, ref): `ref` is the
 * return id for RETURN rows and '' for every other kind (not NULL, which MySQL would let repeat in a unique key), so
 * the old rule, one SALE and one RESTORE per order and product, still holds.
 */
export class Migration20261206030000AfterSale extends Migration {
  override async up(): Promise<void> {
    // `line_items` is the refund's units by product ([] for an amount); the refund id is the provider's idempotency key.
    this.addSql(`
      CREATE TABLE refund (
        id VARCHAR(64) NOT NULL,
        order_id VARCHAR(64) NOT NULL,
        return_id VARCHAR(64) NULL,
        amount_cents BIGINT NOT NULL,
        line_items TEXT NOT NULL,
        reason VARCHAR(500) NOT NULL,
        status VARCHAR(16) NOT NULL,
        provider_refund_id VARCHAR(64) NULL,
        failure_reason TEXT NULL,
        requested_by VARCHAR(255) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY refund_order_created_idx (order_id, created_at),
        KEY refund_status_updated_idx (status, updated_at),
        CONSTRAINT refund_status_known CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        CONSTRAINT refund_amount_positive CHECK (amount_cents > 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    // \`return\` is a reserved word; the return's requested lines and, once received, what arrived in which condition.
    this.addSql(`
      CREATE TABLE order_return (
        id VARCHAR(64) NOT NULL,
        order_id VARCHAR(64) NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        status VARCHAR(16) NOT NULL,
        line_items TEXT NOT NULL,
        received_items TEXT NULL,
        refund_id VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY order_return_order_created_idx (order_id, created_at),
        CONSTRAINT order_return_status_known CHECK (status IN ('REQUESTED', 'RECEIVED'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    this.addSql(`
      ALTER TABLE stock_movement
        ADD COLUMN ref VARCHAR(64) NOT NULL DEFAULT '' AFTER kind,
        DROP INDEX stock_movement_order_product_kind_unique,
        ADD UNIQUE KEY stock_movement_order_product_kind_ref_unique (order_id, product_id, kind, ref),
        DROP CONSTRAINT stock_movement_kind_shape,
        ADD CONSTRAINT stock_movement_kind_shape CHECK (
          (kind = 'SALE' AND delta < 0 AND order_id IS NOT NULL AND ref = '')
          OR (kind = 'RESTORE' AND delta > 0 AND order_id IS NOT NULL AND ref = '')
          OR (kind = 'RESTOCK' AND delta > 0 AND order_id IS NULL AND ref = '')
          OR (kind = 'RETURN' AND delta > 0 AND order_id IS NOT NULL AND ref <> '')
        )`);
  }

  override async down(): Promise<void> {
    this.addSql("DELETE FROM stock_movement WHERE kind = 'RETURN'");
    this.addSql(`
      ALTER TABLE stock_movement
        DROP CONSTRAINT stock_movement_kind_shape,
        DROP INDEX stock_movement_order_product_kind_ref_unique,
        ADD UNIQUE KEY stock_movement_order_product_kind_unique (order_id, product_id, kind),
        DROP COLUMN ref,
        ADD CONSTRAINT stock_movement_kind_shape CHECK (
          (kind = 'SALE' AND delta < 0 AND order_id IS NOT NULL)
          OR (kind = 'RESTORE' AND delta > 0 AND order_id IS NOT NULL)
          OR (kind = 'RESTOCK' AND delta > 0 AND order_id IS NULL)
        )`);
    this.addSql('DROP TABLE order_return');
    this.addSql('DROP TABLE refund');
  }
}
