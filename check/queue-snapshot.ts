import type { Sql } from '../db/sql';
import { select } from '../db/sql';
import { fromMysqlUtc } from '../db/sql';
import type { QueuedProductSnapshot } from './queue-invariants';

type MysqlQueuedProduct = Omit<QueuedProductSnapshot, 'available'>;
const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** Every product with a waiting room (or those of the scope), its admissions and its orders, in the caller's transaction. */
export async function readQueueTables(em: Sql, productIds: number[] | undefined): Promise<MysqlQueuedProduct[]> {
  const scope = productIds ? `AND id IN (${marks(productIds.length)})` : '';
  const products = await select<{ id: number; queue_max_admitted: number; queue_opened_at: string | Date | null }>(
    em,
    `SELECT id, queue_max_admitted, queue_opened_at FROM product WHERE queue_admit_per_second IS NOT NULL ${scope} ORDER BY id`,
    productIds ?? [],
  );
  if (products.length === 0) return [];
  const ids = products.map((product) => Number(product.id));
  const admissions = await select<{ product_id: number; customer_id: string; admitted_at: string | Date; admitted_until: string | Date; used_at: string | Date | null; order_id: string | null; order_customer: string | null; order_products: string | null }>(
    em,
    `SELECT a.product_id, a.customer_id, a.admitted_at, a.admitted_until, a.used_at, a.order_id, o.customer_id AS order_customer,
            (SELECT GROUP_CONCAT(line.product_id) FROM order_line line WHERE line.order_id = o.id) AS order_products
       FROM queue_admission a LEFT JOIN orders o ON o.id = a.order_id
      WHERE a.product_id IN (${marks(ids.length)})`,
    ids,
  );
  const orders = await select<{ product_id: number; id: string; customer_id: string; created_at: string | Date }>(
    em,
    `SELECT DISTINCT line.product_id, o.id, o.customer_id, o.created_at FROM order_line line JOIN orders o ON o.id = line.order_id
      WHERE line.product_id IN (${marks(ids.length)})`,
    ids,
  );
  return products.map((product) => ({
    productId: Number(product.id),
    maxAdmitted: Number(product.queue_max_admitted),
    openedAt: product.queue_opened_at === null ? null : fromMysqlUtc(product.queue_opened_at),
    admissions: admissions
      .filter((row) => Number(row.product_id) === Number(product.id))
      .map((row) => ({
        customerId: row.customer_id,
        admittedAt: fromMysqlUtc(row.admitted_at),
        admittedUntil: fromMysqlUtc(row.admitted_until),
        usedAt: row.used_at === null ? null : fromMysqlUtc(row.used_at),
        orderId: row.order_id,
        order: row.order_customer === null ? null : { customerId: row.order_customer, productIds: String(row.order_products ?? '').split(',').filter(Boolean).map(Number) },
      })),
    orders: orders
      .filter((row) => Number(row.product_id) === Number(product.id))
      .map((row) => ({ id: row.id, customerId: row.customer_id, createdAt: fromMysqlUtc(row.created_at) })),
  }));
}
