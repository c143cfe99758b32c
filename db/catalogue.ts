/** Product queries and stock changes made by operators (the API's catalogue endpoints). */
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { MAX_STOCK } from '../config/bounds';
import { ProductEntity, type ProductRow } from './entities';
import { isDuplicateKey } from './errors';
import { forkSql, fromMysqlUtc, run, select, type Sql } from './sql';

export interface Product {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
  /** Before it, no order for the product is placed; null: on sale. */
  saleStartsAt: Date | null;
  /** The product's waiting room (queue/), or null: none. */
  queue: QueueSettings | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A drop's waiting room: how many buyers it admits a second, and how many may hold an unused admission at once. */
export interface QueueSettings {
  admitPerSecond: number;
  maxAdmitted: number;
}

export interface NewProduct {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
  saleStartsAt?: Date | null;
  queue?: QueueSettings | null;
}

/** 32 random bytes: the secret seed of a waiting room's lottery (see Migration20261206070000_drop_queue). */
export const newDrawSeed = (): string => randomBytes(32).toString('hex');

export class SkuTakenError extends Error {
  constructor(readonly sku: string) {
    super(`a product with sku "${sku}" already exists`);
    this.name = 'SkuTakenError';
  }
}

export class ProductNotFoundError extends Error {
  constructor(readonly productId: number) {
    super(`product ${productId} does not exist`);
    this.name = 'ProductNotFoundError';
  }
}

/** A restock that would take the stock past MAX_STOCK, the largest count product.stock holds. */
export class StockLimitError extends Error {
  constructor(
    readonly productId: number,
    readonly maxStock: number = MAX_STOCK,
  ) {
    super(`product ${productId} cannot hold more than ${maxStock} units; restock fewer`);
    this.name = 'StockLimitError';
  }
}

/** Inserts a product; the unique key on sku (not a prior lookup) decides, so two racing creates cannot both win. */
export async function createProduct(orm: MikroORM, input: NewProduct): Promise<Product> {
  const em = forkSql(orm);
  const row = em.create(ProductEntity, {
    sku: input.sku,
    name: input.name,
    priceCents: input.priceCents,
    stock: input.stock,
    saleStartsAt: input.saleStartsAt ?? null,
    queueAdmitPerSecond: input.queue?.admitPerSecond ?? null,
    queueMaxAdmitted: input.queue?.maxAdmitted ?? null,
    queueDrawSeed: input.queue ? newDrawSeed() : null,
  });
  try {
    await em.flush();
  } catch (error) {
    if (isDuplicateKey(error)) throw new SkuTakenError(input.sku);
    throw error;
  }
  return toProduct(row);
}

/**
 * Product reads are on the hot paths (every order placement, GET /products/:id), so they are plain indexed SELECTs on
 * the connection: the ORM's find with hydration and a forked identity map cost ten times the CPU (0.73 ms against
 * 0.06 ms a read, measured on this machine) for rows nobody modifies.
 */
interface ProductRecord {
  id: number;
  sku: string;
  name: string;
  price_cents: number;
  stock: number;
  sale_starts_at: string | Date | null;
  queue_admit_per_second: number | null;
  queue_max_admitted: number | null;
  created_at: string | Date;
  updated_at: string | Date;
}

async function selectProducts(orm: MikroORM, where: string, params: unknown[]): Promise<Product[]> {
  const sql = `SELECT product.id, sku, name, price_cents, stock, sale_starts_at, queue_admit_per_second, queue_max_admitted, created_at, updated_at FROM product ${where}`;
  const rows: ProductRecord[] = await orm.em.getConnection().execute(sql, params, 'all');
  return rows.map((row) => ({
    id: Number(row.id),
    sku: row.sku,
    name: row.name,
    priceCents: Number(row.price_cents),
    stock: Number(row.stock),
    saleStartsAt: row.sale_starts_at === null ? null : fromMysqlUtc(row.sale_starts_at),
    queue: row.queue_admit_per_second === null || row.queue_max_admitted === null ? null : { admitPerSecond: Number(row.queue_admit_per_second), maxAdmitted: Number(row.queue_max_admitted) },
    createdAt: fromMysqlUtc(row.created_at),
    updatedAt: fromMysqlUtc(row.updated_at),
  }));
}


export function listProducts(orm: MikroORM): Promise<Product[]> {
  return selectProducts(orm, 'ORDER BY id', []);
}

/** The newest `limit` products (primary key range, newest first): a drop's products are the ones just created. */
export function listNewestProducts(orm: MikroORM, limit: number): Promise<Product[]> {
  return selectProducts(orm, 'ORDER BY id DESC LIMIT ?', [limit]);
}

/** Up to `limit` products with ids above `afterId`, in id order: a page of the catalogue. */
export function listProductPage(orm: MikroORM, { afterId, limit }: { afterId: number; limit: number }): Promise<Product[]> {
  return selectProducts(orm, 'WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
}

/**
 * Up to `limit` products with ids above `afterId`, in id order, whose name or sku contains every one of `words`
 * (case-insensitively): a page of a search. Each word of 3 or more characters narrows the candidates through
 * product_search_gram (Migration20261206030000_product_search), joined on its first, middle and last trigram in id
 * order along the primary key, so a page reads about as many postings as it skips. LIKE then confirms each candidate,
 * and alone decides for words shorter than a trigram. Lowercasing is MariaDB's (LOWER), as the triggers' is.
 */
export function searchProductPage(orm: MikroORM, { words, afterId, limit }: { words: readonly string[]; afterId: number; limit: number }): Promise<Product[]> {
  const grams = [...new Set(words.flatMap(lookupGramsOf))];
  const joins = grams.map((_, index) => `JOIN product_search_gram g${index} ON g${index}.product_id = product.id AND g${index}.gram = LOWER(CONVERT(? USING utf8mb4))`);
  const contains = words.map(() => "(LOWER(CONVERT(name USING utf8mb4)) LIKE LOWER(CONVERT(? USING utf8mb4)) ESCAPE '!' OR LOWER(CONVERT(sku USING utf8mb4)) LIKE LOWER(CONVERT(? USING utf8mb4)) ESCAPE '!')");
  const patterns = words.flatMap((word) => {
    const pattern = `%${word.replace(/[!%_]/g, '!$&')}%`;
    return [pattern, pattern];
  });
  return selectProducts(orm, `${joins.join(' ')} WHERE product.id > ? AND ${contains.join(' AND ')} ORDER BY product.id LIMIT ?`, [...grams, afterId, ...patterns, limit]);
}

/** The trigrams of a word a search joins on: its first, middle and last (none for a word shorter than 3 characters). */
function lookupGramsOf(word: string): string[] {
  const characters = [...word];
  if (characters.length < 3) return [];
  const starts = new Set([0, Math.floor((characters.length - 3) / 2), characters.length - 3]);
  return [...starts].map((start) => characters.slice(start, start + 3).join(''));
}

export async function getProduct(orm: MikroORM, productId: number): Promise<Product | null> {
  const [product] = await selectProducts(orm, 'WHERE id = ?', [productId]);
  return product ?? null;
}

/** The products among `productIds` that exist, in id order, in one query; the caller spots missing ids. */
export async function getProducts(orm: MikroORM, productIds: readonly number[]): Promise<Product[]> {
  const unique = [...new Set(productIds)];
  if (unique.length === 0) return [];
  return selectProducts(orm, `WHERE id IN (${unique.map(() => '?').join(', ')}) ORDER BY id`, unique);
}

/**
 * Adds units to a product and records a RESTOCK movement, atomically; returns the new stock.
 * The increment is done by the database (`stock = stock + ?`) so it cannot lose a concurrent sale.
 * Not deduplicated: a request that may be retried goes through restockOnce with its Idempotency-Key.
 */
export async function restock(orm: MikroORM, productId: number, quantity: number): Promise<number> {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError(`restock quantity must be a positive integer, got ${quantity}`);
  return forkSql(orm).transactional((em) => addStock(em, productId, quantity));
}

/** In the caller's transaction: the bounded increment, its RESTOCK movement, and the stock it produced. */
async function addStock(em: Sql, productId: number, quantity: number): Promise<number> {
  // The bound is part of the update, so two racing restocks cannot pass it together.
  const update = await run(em, 'UPDATE product SET stock = stock + ? WHERE id = ? AND stock <= ? - ?', [quantity, productId, MAX_STOCK, quantity]);
  if (update.affectedRows === 0) {
    const [exists] = await select<{ id: number }>(em, 'SELECT id FROM product WHERE id = ?', [productId]);
    throw exists ? new StockLimitError(productId) : new ProductNotFoundError(productId);
  }
  await run(em, "INSERT INTO stock_movement (order_id, product_id, kind, delta) VALUES (NULL, ?, 'RESTOCK', ?)", [productId, quantity]);
  // Read inside the transaction: the row is locked by the update, so this is the stock it produced.
  const [{ stock }] = await select<{ stock: number }>(em, 'SELECT stock FROM product WHERE id = ?', [productId]);
  return Number(stock);
}

/** The Idempotency-Key of a restock was used before for another quantity. */
export class RestockKeyReusedError extends Error {
  constructor(readonly productId: number, readonly idempotencyKey: string) {
    super(`Idempotency-Key "${idempotencyKey}" was used for another restock of product ${productId}`);
    this.name = 'RestockKeyReusedError';
  }
}

/**
 * A restock under an Idempotency-Key: the first request adds the units and records the key in the same
 * transaction; a retry (same key, same quantity) adds nothing and answers the stock the first one produced.
 */
export async function restockOnce(
  orm: MikroORM,
  productId: number,
  quantity: number,
  idempotencyKey: string,
): Promise<{ stock: number; replayed: boolean }> {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError(`restock quantity must be a positive integer, got ${quantity}`);
  const earlier = await findRestock(orm, productId, idempotencyKey);
  if (earlier) return replayOf(earlier, productId, quantity, idempotencyKey);
  try {
    return await forkSql(orm).transactional(async (em) => {
      const stock = await addStock(em, productId, quantity);
      await run(em, 'INSERT INTO restock_request (product_id, idempotency_key, quantity, stock_after) VALUES (?, ?, ?, ?)', [
        productId,
        idempotencyKey,
        quantity,
        stock,
      ]);
      return { stock, replayed: false };
    });
  } catch (error) {
    // Two copies raced: the key's unique row let one commit; this one rolled back its stock change with it.
    if (!isDuplicateKey(error)) throw error;
    const winner = await findRestock(orm, productId, idempotencyKey);
    if (!winner) throw error;
    return replayOf(winner, productId, quantity, idempotencyKey);
  }
}

async function findRestock(orm: MikroORM, productId: number, idempotencyKey: string): Promise<{ quantity: number; stock_after: number } | undefined> {
  const [row] = await select<{ quantity: number; stock_after: number }>(
    forkSql(orm),
    'SELECT quantity, stock_after FROM restock_request WHERE product_id = ? AND idempotency_key = ?',
    [productId, idempotencyKey],
  );
  return row;
}

function replayOf(earlier: { quantity: number; stock_after: number }, productId: number, quantity: number, idempotencyKey: string) {
  if (Number(earlier.quantity) !== quantity) throw new RestockKeyReusedError(productId, idempotencyKey);
  return { stock: Number(earlier.stock_after), replayed: true };
}

function toProduct(row: ProductRow): Product {
  const queue = row.queueAdmitPerSecond == null || row.queueMaxAdmitted == null ? null : { admitPerSecond: row.queueAdmitPerSecond, maxAdmitted: row.queueMaxAdmitted };
  return { id: row.id, sku: row.sku, name: row.name, priceCents: row.priceCents, stock: row.stock, saleStartsAt: row.saleStartsAt ?? null, queue, createdAt: row.createdAt, updatedAt: row.updatedAt };
}
