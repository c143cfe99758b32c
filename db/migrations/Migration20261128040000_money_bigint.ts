import { Migration } from '@mikro-orm/migrations';

/**
 * Money columns become BIGINT. INT stops at 2,147,483,647 cents: an order total past it failed the order's save step
 * for good, after the stock was reserved. The API now refuses totals above the payment provider's limit
 * (config/bounds.ts), well inside INT, but the columns must never be the tighter bound again, so they get the width
 * money needs. The CHECK constraints of the initial schema stay as they are (MariaDB keeps them across MODIFY).
 */
export class Migration20261128040000MoneyBigint extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE product MODIFY price_cents BIGINT NOT NULL');
    this.addSql('ALTER TABLE orders MODIFY total_cents BIGINT NOT NULL');
    this.addSql('ALTER TABLE order_line MODIFY unit_price_cents BIGINT NOT NULL');
    this.addSql('ALTER TABLE payment MODIFY amount_cents BIGINT NOT NULL');
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE payment MODIFY amount_cents INT NOT NULL');
    this.addSql('ALTER TABLE order_line MODIFY unit_price_cents INT NOT NULL');
    this.addSql('ALTER TABLE orders MODIFY total_cents INT NOT NULL');
    this.addSql('ALTER TABLE product MODIFY price_cents INT NOT NULL');
  }
}
