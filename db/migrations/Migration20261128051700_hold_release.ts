import { Migration } from '@mikro-orm/migrations';

/**
 * The durable record that an order has let go of its Redis hold. The release activity writes it BEFORE Redis gives
 * the units back, so an order counts as holding stock in MySQL from its RESERVED record until this row, never
 * after its units are back on sale: a Redis flush at any moment can then no longer make a rebuild subtract a hold
 * that was already released (its Redis tombstone is lost with the flush; this row is not).
 */
export class Migration20261128051700HoldRelease extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE hold_release (
        order_id VARCHAR(64) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (order_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE hold_release');
  }
}
