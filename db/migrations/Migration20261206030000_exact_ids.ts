import { Migration } from '@mikro-orm/migrations';

/**
 * Ids compare exactly: every column that stores an id (buyer, order, payment, webhook endpoint and event) gets the
 * binary collation, as restock_request's Idempotency-Key already has. Token subjects are case-sensitive at the identity
 * provider and everywhere in the code (the per-buyer lock, ownership checks); with utf8mb4_unicode_ci a token for
 * `CUS_A` listed `cus_a`'s orders and used up their caps. Going from a case-blind to an exact comparison can only make
 * values more distinct, so no unique key existing data satisfies can break.
 *
 * Skus stay case-blind on purpose: they are typed by staff, and `ABC-1` beside `abc-1` would be two products nobody
 * can tell apart on a label.
 *
 * InnoDB refuses to change a column a foreign key uses, so the three keys between these columns are dropped first and
 * put back, unchanged, once both sides have the same collation.
 */
const ID_COLUMNS: ReadonlyArray<readonly [table: string, column: string, type: string, nullability: 'NULL' | 'NOT NULL']> = [
  ['orders', 'id', 'VARCHAR(64)', 'NOT NULL'],
  ['orders', 'customer_id', 'VARCHAR(255)', 'NOT NULL'],
  ['order_line', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['payment', 'id', 'VARCHAR(128)', 'NOT NULL'],
  ['payment', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['payment_attempt', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['payment_attempt', 'customer_id', 'VARCHAR(255)', 'NOT NULL'],
  ['stock_movement', 'order_id', 'VARCHAR(64)', 'NULL'],
  ['notification', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['order_contact', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['hold_release', 'order_id', 'VARCHAR(64)', 'NOT NULL'],
  ['webhook_endpoint', 'id', 'VARCHAR(40)', 'NOT NULL'],
  ['webhook_event', 'id', 'VARCHAR(64)', 'NOT NULL'],
  ['webhook_delivery', 'event_id', 'VARCHAR(64)', 'NOT NULL'],
  ['webhook_delivery', 'endpoint_id', 'VARCHAR(40)', 'NOT NULL'],
  ['webhook_attempt', 'event_id', 'VARCHAR(64)', 'NOT NULL'],
  ['webhook_attempt', 'endpoint_id', 'VARCHAR(40)', 'NOT NULL'],
];

const FOREIGN_KEYS: ReadonlyArray<readonly [table: string, name: string, definition: string]> = [
  ['order_line', 'order_line_order_fk', 'FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE'],
  ['payment', 'payment_order_fk', 'FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE'],
  ['webhook_delivery', 'webhook_delivery_event_fk', 'FOREIGN KEY (event_id) REFERENCES webhook_event (id) ON DELETE CASCADE'],
];

export class Migration20261206030000ExactIds extends Migration {
  override async up(): Promise<void> {
    this.collate('utf8mb4_bin');
  }

  override async down(): Promise<void> {
    this.collate('utf8mb4_unicode_ci');
  }

  private collate(collation: string): void {
    for (const [table, name] of FOREIGN_KEYS) this.addSql(`ALTER TABLE ${table} DROP FOREIGN KEY ${name}`);
    const tables = [...new Set(ID_COLUMNS.map(([table]) => table))];
    for (const table of tables) {
      const columns = ID_COLUMNS.filter(([owner]) => owner === table).map(
        ([, column, type, nullability]) => `MODIFY ${column} ${type} CHARACTER SET utf8mb4 COLLATE ${collation} ${nullability}`,
      );
      this.addSql(`ALTER TABLE ${table} ${columns.join(', ')}`);
    }
    for (const [table, name, definition] of FOREIGN_KEYS) this.addSql(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
  }
}
