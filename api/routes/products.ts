import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { createProduct, getProduct, listProducts, ProductNotFoundError, restock, type Product } from '../../db/catalogue';
import type { Inventory } from '../../inventory/inventory';
import { singleFlight } from '../single-flight';
import { newProductSchema, parse, productIdSchema, restockSchema } from '../validation';

/** stock is MySQL's durable count; available is what Redis can still reserve right now. */
const toProductResponse = (product: Product, available: number | null) => ({
  id: product.id,
  sku: product.sku,
  name: product.name,
  priceCents: product.priceCents,
  stock: product.stock,
  available,
});

export function productsRouter({ orm, inventory }: { orm: MikroORM; inventory: Inventory }): Router {
  const router = Router();
  const readProduct = singleFlight((productId: number) => Promise.all([getProduct(orm, productId), inventory.available(productId)]));

  router.post('/', async (req, res) => {
    const product = await createProduct(orm, parse(newProductSchema, req.body, 'body'));
    await inventory.load(product.id, product.stock);
    res.status(201).location(`/products/${product.id}`).json(toProductResponse(product, await inventory.available(product.id)));
  });

  router.get('/', async (_req, res) => {
    const products = await listProducts(orm);
    const available = await inventory.availableMany(products.map((product) => product.id));
    res.json({ data: products.map((product, index) => toProductResponse(product, available[index])) });
  });

  router.get('/:id', async (req, res) => {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const [product, available] = await readProduct(productId);
    if (!product) throw new ProductNotFoundError(productId);
    res.json(toProductResponse(product, available));
  });

  router.post('/:id/restock', async (req, res) => {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const { quantity } = parse(restockSchema, req.body, 'body');
    // MySQL first: if the Redis step is lost, availability is short (never oversold) until it is rebuilt from MySQL.
    const stock = await restock(orm, productId, quantity);
    await inventory.add(productId, quantity);
    const product = await getProduct(orm, productId);
    res.json(toProductResponse({ ...product!, stock }, await inventory.available(productId)));
  });

  return router;
}
