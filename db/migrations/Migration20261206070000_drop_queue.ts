import { Migration } from '@mikro-orm/migrations';

/**
 * A drop's start and its waiting room (issue 26, queue/):
 * - product.sale_starts_at: before it, no order for the product is placed (409 SALE_NOT_STARTED); NULL: on sale.
 * - product.queue_admit_per_second / queue_max_admitted: the waiting room, both NULL when the product has none.
 * - product.queue_draw_seed: 32 random bytes (hex) drawn when the queue is set; the lottery of everyone who joined
 *   before the start is ordered by SHA-1(seed:buyer), so the order is secret until the start and stable after it
 *   (a Redis flush included). Never answered by the API.
 * - product.queue_opened_at: when Redis first held the waiting room; set, it tells a rebuild that Redis lost a line
 *   that existed, so nobody is admitted until every buyer still polling is back in it.
 * - queue_admission: every admission, one per buyer per drop (one ticket per buyer per drop), with when it lapses
 *   and whether an order used it. The waiting room rebuilds its admitted buyers from here after Redis loses its data,
 *   so a flush can neither admit more buyers than the bound nor let a used admission be used again (I9).
 */
export class Migration20261206070000DropQueue extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      ALTER TABLE product
        ADD COLUMN sale_starts_at DATETIME(3) NULL,
        ADD COLUMN queue_admit_per_second INT UNSIGNED NULL,
        ADD COLUMN queue_max_admitted INT UNSIGNED NULL,
        ADD COLUMN queue_draw_seed CHAR(64) NULL,
        ADD COLUMN queue_opened_at DATETIME(3) NULL,
        ADD CONSTRAINT product_queue_whole CHECK ((queue_admit_per_second IS NULL) = (queue_max_admitted IS NULL))`);
    this.addSql(`
      CREATE TABLE queue_admission (
        product_id INT UNSIGNED NOT NULL,
        customer_id VARCHAR(255) NOT NULL,
        place VARCHAR(40) NOT NULL,
        admitted_at DATETIME(3) NOT NULL,
        admitted_until DATETIME(3) NOT NULL,
        used_at DATETIME(3) NULL,
        order_id VARCHAR(64) NULL,
        PRIMARY KEY (product_id, customer_id),
        KEY queue_admission_product_until_idx (product_id, admitted_until),
        CONSTRAINT queue_admission_product_fk FOREIGN KEY (product_id) REFERENCES product (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE queue_admission');
    this.addSql('ALTER TABLE product DROP CONSTRAINT product_queue_whole, DROP COLUMN sale_starts_at, DROP COLUMN queue_admit_per_second, DROP COLUMN queue_max_admitted, DROP COLUMN queue_draw_seed, DROP COLUMN queue_opened_at');
  }
}
