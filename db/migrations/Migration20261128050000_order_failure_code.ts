import { Migration } from '@mikro-orm/migrations';

/**
 * A FAILED order that staff must act on (an undo failed for good: REFUND_FAILED, STOCK_RESTORE_FAILED,
 * RELEASE_FAILED) says so in its own column, indexed, so such orders are found with one query.
 */
export class Migration20261128050000OrderFailureCode extends Migration {
  override async up(): Promise<void> {
    this.addSql('ALTER TABLE orders ADD COLUMN failure_code VARCHAR(32) NULL AFTER failure_reason, ADD INDEX orders_failure_code_idx (failure_code)');
  }

  override async down(): Promise<void> {
    this.addSql('ALTER TABLE orders DROP INDEX orders_failure_code_idx, DROP COLUMN failure_code');
  }
}
