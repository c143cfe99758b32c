import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { createProduct, getProduct, listProductPage, ProductNotFoundError, searchProductPage, restock, restockOnce, type Product } from '../../db/catalogue';
import { availabilityOf, availabilityOfMany, resyncAvailability } from '../../inventory/availability-sync';
import { idempotencyKeyOf } from '../idempotency-key';
import type { Inventory } from '../../inventory/inventory';
import type { ProductResponse } from '../openapi/response-schemas';
import { catalogueCaching } from '../catalogue-caching';
import { recentReads } from '../recent-reads';
import { decodeCursor, toPage } from '../pagination';
import { newProductSchema, parse, productCursorSchema, productIdSchema, productListQuerySchema, restockSchema, saleSettingsSchema } from '../validation';
import { setDrop } from '../../db/drops';
import type { DropSettingsCache } from '../drop-settings';

/** stock is MySQL's durable count; available is what Redis can still reserve right now. */
const toProductResponse = (product: Product, available: number | null): ProductResponse => ({
  id: product.id,
  sku: product.sku,
  name: product.name,
  priceCents: product.priceCents,
  stock: product.stock,
  available,
  saleStartsAt: product.saleStartsAt?.toISOString() ?? null,
  queue: product.queue,
});

export interface ProductsRouterDeps {
  orm: MikroORM;
  inventory: Inventory;
  /**
   * STOCK_READ_MAX_AGE: how old a single product's answer may be. Its stock is still MySQL's and its availability
   * Redis's, read by this request or by one that began at most this long before it (recent-reads.ts); 0: read by
   * this request or by one in flight when it arrived.
   */
  stockReadMaxAgeMs?: number;
  /** Forgotten for a product whose sale settings change, so this process applies them at once. */
  drops?: DropSettingsCache;
}

export function productsRouter({ orm, inventory, stockReadMaxAgeMs = 0, drops }: ProductsRouterDeps): Router {
  const router = Router();
  const products = recentReads((productId: number) => Promise.all([getProduct(orm, productId), availabilityOf(orm, inventory, productId)]), { maxAgeMs: stockReadMaxAgeMs });

  router.post('/', async (req, res) => {
    const product = await createProduct(orm, parse(newProductSchema, req.body, 'body'));
    await inventory.load(product.id, product.stock);
    products.forget(product.id); // a read of this id just before may have found nothing
    res.status(201).location(`/products/${product.id}`).json(toProductResponse(product, await inventory.available(product.id)));
  });

  /** The catalogue (or what `q` finds in it) in id order, a page at a time: `nextCursor` asks for the next page, null on the last. */
  router.get('/', catalogueCaching, async (req, res) => {
    const { limit, cursor, q } = parse(productListQuerySchema, req.query, 'query');
    const afterId = cursor === undefined ? 0 : decodeCursor(productCursorSchema, cursor).id;
    const page = { afterId, limit: limit + 1 };
    const products = await (q === undefined ? listProductPage(orm, page) : searchProductPage(orm, { ...page, words: q }));
    const available = await availabilityOfMany(orm, inventory, products.map((product) => product.id));
    const rows = products.map((product, index) => ({ product, available: available[index] }));
    res.json(toPage(rows, limit, (row) => toProductResponse(row.product, row.available), (row) => ({ id: row.product.id })));
  });

  router.get('/:id', catalogueCaching, async (req, res) => {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const [product, available] = await products.read(productId);
    if (!product) throw new ProductNotFoundError(productId);
    res.json(toProductResponse(product, available));
  });

  /** A drop's start and waiting room, set or changed on an existing product (admin). */
  router.put('/:id/sale', async (req, res) => {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const settings = parse(saleSettingsSchema, req.body, 'body');
    await setDrop(orm, productId, settings);
    drops?.forget(productId);
    products.forget(productId);
    const [product, available] = await products.read(productId);
    if (!product) throw new ProductNotFoundError(productId);
    res.json(toProductResponse(product, available));
  });

  router.post('/:id/restock', async (req, res) => {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const { quantity } = parse(restockSchema, req.body, 'body');
    const idempotencyKey = idempotencyKeyOf(req);
    // MySQL first, then Redis is rebuilt from it by the flush-recovery rule: exact whatever runs meanwhile, and a
    // retry (same key) that finds the restock done still runs this step, which mends a crash between the two.
    const { stock, replayed } = await restockOrReplay(orm, productId, quantity, idempotencyKey);
    const available = await resyncAvailability(orm, inventory, productId);
    products.forget(productId); // the restocker's next read shows the restock
    const product = await getProduct(orm, productId);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.json(toProductResponse({ ...product!, stock }, available));
  });

  return router;
}

/** A key reused for another quantity: RestockKeyReusedError (api/errors.ts answers IDEMPOTENCY_KEY_REUSED). */
async function restockOrReplay(orm: MikroORM, productId: number, quantity: number, idempotencyKey: string | undefined) {
  if (idempotencyKey === undefined) return { stock: await restock(orm, productId, quantity), replayed: false };
  return restockOnce(orm, productId, quantity, idempotencyKey);
}
