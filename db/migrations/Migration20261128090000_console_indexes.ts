import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the operator console's read-only figures (db/console-queries.ts), so each poll reads only the
 * rows of its window:
 * - orders (status, updated_at): an order's row last changes when it reaches its status, so "orders that became
 *   CONFIRMED (or FAILED, EXPIRED, ...) in the last N seconds" is one index range per status;
 * - stock_movement (product_id, kind, created_at): "when was the last unit of this product sold" is one index dive.
 */
export class Migration20261128090000ConsoleIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE INDEX orders_status_updated_idx ON orders (status, updated_at)');
    this.addSql('CREATE INDEX stock_movement_product_kind_created_idx ON stock_movement (product_id, kind, created_at)');
  }

  override async down(): Promise<void> {
    this.addSql('DROP INDEX stock_movement_product_kind_created_idx ON stock_movement');
    this.addSql('DROP INDEX orders_status_updated_idx ON orders');
  }
}
