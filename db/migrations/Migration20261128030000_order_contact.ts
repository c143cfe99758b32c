import { Migration } from '@mikro-orm/migrations';

/**
 * The buyer's e-mail address, kept apart from `orders`: it is personal data, read only by the
 * notification step, and written by the API once the order is placed (the workflow never carries
 * it, so it stays out of Temporal's history). Deleting an order's row forgets the address.
 * No foreign key to orders, as for notifications: the order row is written by the workflow and
 * may land after the contact.
 */
export class Migration20261128030000OrderContact extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE order_contact (
        order_id VARCHAR(64) NOT NULL,
        email VARCHAR(254) NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (order_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS order_contact');
  }
}
