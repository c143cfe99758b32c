import { Migration } from '@mikro-orm/migrations';

/**
 * GET /products?q= finds products whose name or sku contains each word, case-insensitively. A LIKE '%word%' cannot
 * use a B-tree index, so every product's lowercased name and sku are also kept as trigrams (every 3 consecutive
 * characters): a word of 3 or more characters is looked up through its trigrams' postings, in id order (the
 * primary key is (gram, product_id)), and only those candidates are confirmed with LIKE. MariaDB keeps the trigrams
 * itself (triggers on product, MariaDB's built-in sequence tables seq_1_to_N), so no insert path can forget them.
 */
/** A column's trigram at `seq`, lowercased (in utf8mb4's default collation, as searches lowercase) and compared exactly. */
const gram = (column: string) => `SUBSTRING(LOWER(CONVERT(${column} USING utf8mb4)), seq, 3) COLLATE utf8mb4_bin`;
const gramsOf = (row: string) => `
  SELECT ${gram(`${row}.name`)}, ${row}.id FROM seq_1_to_200 WHERE seq <= CHAR_LENGTH(${row}.name) - 2
  UNION SELECT ${gram(`${row}.sku`)}, ${row}.id FROM seq_1_to_64 WHERE seq <= CHAR_LENGTH(${row}.sku) - 2`;

export class Migration20261206030000ProductSearch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE product_search_gram (
        gram VARCHAR(3) NOT NULL,
        product_id INT UNSIGNED NOT NULL,
        PRIMARY KEY (gram, product_id),
        KEY product_search_gram_product_idx (product_id),
        CONSTRAINT product_search_gram_product_fk FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    this.addSql(`CREATE TRIGGER product_search_gram_insert AFTER INSERT ON product FOR EACH ROW
      INSERT IGNORE INTO product_search_gram (gram, product_id) ${gramsOf('NEW')}`);
    this.addSql(`CREATE TRIGGER product_search_gram_update AFTER UPDATE ON product FOR EACH ROW
      IF NOT (BINARY NEW.name <=> BINARY OLD.name AND BINARY NEW.sku <=> BINARY OLD.sku) THEN
        DELETE FROM product_search_gram WHERE product_id = NEW.id;
        INSERT IGNORE INTO product_search_gram (gram, product_id) ${gramsOf('NEW')};
      END IF`);
    this.addSql(`INSERT IGNORE INTO product_search_gram (gram, product_id)
      SELECT ${gram('p.name')}, p.id FROM product p JOIN seq_1_to_200 ON seq <= CHAR_LENGTH(p.name) - 2
      UNION SELECT ${gram('p.sku')}, p.id FROM product p JOIN seq_1_to_64 ON seq <= CHAR_LENGTH(p.sku) - 2`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TRIGGER product_search_gram_update');
    this.addSql('DROP TRIGGER product_search_gram_insert');
    this.addSql('DROP TABLE product_search_gram');
  }
}
