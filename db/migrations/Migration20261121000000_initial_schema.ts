import { Migration } from '@mikro-orm/migrations';

/**
 * The whole schema, written by hand so the constraints the service relies on are explicit:
 * the CHECK that stock never goes negative (invariant I1) and the unique keys that make the
 * activities idempotent (invariant I6). Once applied anywhere, never edit this file: add a new
 * migration instead (the migrator records it by name).
 *
 * Ids of products are INT UNSIGNED; every column that references one has the same type, as
 * InnoDB foreign keys require. Times are DATETIME(3) in UTC (the ORM sets the session time zone).
 */
export class Migration20261121000000InitialSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE product (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        sku VARCHAR(64) NOT NULL,
        name VARCHAR(200) NOT NULL,
        price_cents INT NOT NULL,
        -- Signed with a CHECK rather than UNSIGNED: an UNSIGNED underflow is an obscure range
        -- error, while the named constraint says exactly which rule a write broke.
        stock INT NOT NULL DEFAULT 0,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY product_sku_unique (sku),
        CONSTRAINT product_stock_not_negative CHECK (stock >= 0),
        CONSTRAINT product_price_not_negative CHECK (price_cents >= 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE orders (
        id VARCHAR(64) NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        status VARCHAR(16) NOT NULL,
        total_cents INT NOT NULL,
        reserved_until DATETIME(3) NULL,
        failure_reason TEXT NULL,
        request_hash VARCHAR(128) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY orders_customer_created_idx (customer_id, created_at),
        KEY orders_status_created_idx (status, created_at),
        KEY orders_created_idx (created_at),
        CONSTRAINT orders_status_known CHECK (status IN ('PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED')),
        CONSTRAINT orders_total_not_negative CHECK (total_cents >= 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE order_line (
        id INT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_id VARCHAR(64) NOT NULL,
        product_id INT UNSIGNED NOT NULL,
        sku VARCHAR(64) NOT NULL,
        quantity INT NOT NULL,
        unit_price_cents INT NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY order_line_order_product_unique (order_id, product_id),
        KEY order_line_product_idx (product_id),
        CONSTRAINT order_line_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
        CONSTRAINT order_line_product_fk FOREIGN KEY (product_id) REFERENCES product (id),
        CONSTRAINT order_line_quantity_positive CHECK (quantity > 0),
        CONSTRAINT order_line_price_not_negative CHECK (unit_price_cents >= 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE payment (
        id VARCHAR(128) NOT NULL,
        order_id VARCHAR(64) NOT NULL,
        status VARCHAR(16) NOT NULL,
        amount_cents INT NOT NULL,
        decline_code VARCHAR(64) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY payment_order_created_idx (order_id, created_at),
        CONSTRAINT payment_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
        CONSTRAINT payment_status_known CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUNDED', 'DECLINED')),
        CONSTRAINT payment_amount_not_negative CHECK (amount_cents >= 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    // order_id is NULL for restocks (NULLs never collide in a unique key) and set for SALE/RESTORE,
    // where the unique key turns a repeated commit or restore into a duplicate-key error.
    // No foreign key to orders: the stock activities must not depend on the order record existing.
    this.addSql(`
      CREATE TABLE stock_movement (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_id VARCHAR(64) NULL,
        product_id INT UNSIGNED NOT NULL,
        kind VARCHAR(16) NOT NULL,
        delta INT NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY stock_movement_order_product_kind_unique (order_id, product_id, kind),
        KEY stock_movement_product_idx (product_id),
        CONSTRAINT stock_movement_product_fk FOREIGN KEY (product_id) REFERENCES product (id),
        CONSTRAINT stock_movement_kind_shape CHECK (
          (kind = 'SALE' AND delta < 0 AND order_id IS NOT NULL)
          OR (kind = 'RESTORE' AND delta > 0 AND order_id IS NOT NULL)
          OR (kind = 'RESTOCK' AND delta > 0 AND order_id IS NULL)
        )
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);

    this.addSql(`
      CREATE TABLE notification (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        order_id VARCHAR(64) NOT NULL,
        kind VARCHAR(32) NOT NULL,
        channel VARCHAR(32) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY notification_order_kind_unique (order_id, kind)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    for (const table of ['notification', 'stock_movement', 'payment', 'order_line', 'orders', 'product']) {
      this.addSql(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
