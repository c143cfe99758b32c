import { Migration } from '@mikro-orm/migrations';

/**
 * Carts (api/routes/carts.ts). A cart reserves nothing: its lines are product ids and quantities, priced and checked
 * for availability when read, and reserved only when checked out (as an order, through the order workflow).
 * - cart: one OPEN cart per buyer, held by the unique key on a generated column that is the buyer's id only while the
 *   cart is OPEN (NULLs do not collide). `version` rises with every change; a CHECKED_OUT cart names its order.
 * - cart_line: one line per product of a cart.
 * - cart_checkout: every order a checkout placed, with the cart version it was placed from; kept when the cart is
 *   removed (CART_TTL), so the invariant check can tell that no cart version made two orders.
 */
export class Migration20261206040000Carts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE cart (
        id VARCHAR(40) NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        status VARCHAR(16) NOT NULL,
        version INT UNSIGNED NOT NULL,
        order_id VARCHAR(64) NULL,
        open_customer_id VARCHAR(255) AS (IF(status = 'OPEN', customer_id, NULL)) PERSISTENT,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY cart_one_open_per_customer (open_customer_id),
        KEY cart_customer_created_idx (customer_id, created_at),
        KEY cart_updated_idx (updated_at),
        KEY cart_status_updated_idx (status, updated_at),
        CONSTRAINT cart_status_known CHECK (status IN ('OPEN', 'CHECKED_OUT')),
        CONSTRAINT cart_checked_out_names_order CHECK ((status = 'CHECKED_OUT') = (order_id IS NOT NULL))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    this.addSql(`
      CREATE TABLE cart_line (
        cart_id VARCHAR(40) NOT NULL,
        product_id INT UNSIGNED NOT NULL,
        quantity INT NOT NULL,
        added_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (cart_id, product_id),
        KEY cart_line_product_idx (product_id),
        CONSTRAINT cart_line_cart_fk FOREIGN KEY (cart_id) REFERENCES cart (id) ON DELETE CASCADE,
        CONSTRAINT cart_line_product_fk FOREIGN KEY (product_id) REFERENCES product (id),
        CONSTRAINT cart_line_quantity_positive CHECK (quantity >= 1)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    this.addSql(`
      CREATE TABLE cart_checkout (
        order_id VARCHAR(64) NOT NULL,
        cart_id VARCHAR(40) NOT NULL,
        cart_version INT UNSIGNED NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (order_id),
        KEY cart_checkout_cart_version_idx (cart_id, cart_version),
        KEY cart_checkout_created_idx (created_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE cart_checkout');
    this.addSql('DROP TABLE cart_line');
    this.addSql('DROP TABLE cart');
  }
}
