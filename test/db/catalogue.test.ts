import type { MikroORM } from '@mikro-orm/core';
import {
  createProduct,
  getProduct,
  getProducts,
  listProducts,
  ProductNotFoundError,
  restock,
  SkuTakenError,
} from '../../db/catalogue';
import { migrateUp } from '../../db/migrate';
import { DEMO_PRODUCTS, seedDemoProducts } from '../../db/seed';
import { createTestProduct, openTestOrm, readStock, uniqueSuffix, withScratchDatabase } from '../support/db';
import { forkSql, select } from '../../db/sql';

describe('catalogue', () => {
  let orm: MikroORM;
  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(() => orm.close());

  it('creates a product and reads it back by id, among many, and in the list', async () => {
    const sku = `test-create-${uniqueSuffix()}`;
    const created = await createProduct(orm, { sku, name: 'Created', priceCents: 1_234, stock: 7 });
    expect(created).toMatchObject({ sku, name: 'Created', priceCents: 1_234, stock: 7 });
    expect(created.id).toEqual(expect.any(Number));
    expect(created.createdAt).toBeInstanceOf(Date);

    expect(await getProduct(orm, created.id)).toMatchObject({ id: created.id, sku, stock: 7 });
    expect(await getProduct(orm, 2_000_000_000)).toBeNull();

    const other = await createTestProduct(orm);
    const both = await getProducts(orm, [other.id, created.id, 2_000_000_000, created.id]);
    expect(both.map((product) => product.id)).toEqual([created.id, other.id].sort((a, b) => a - b));
    expect(await getProducts(orm, [])).toEqual([]);

    expect((await listProducts(orm)).map((product) => product.sku)).toContain(sku);
  });

  it('refuses a second product with the same sku', async () => {
    const product = await createTestProduct(orm);
    const duplicate = createProduct(orm, { sku: product.sku, name: 'Again', priceCents: 1, stock: 1 });
    await expect(duplicate).rejects.toBeInstanceOf(SkuTakenError);
    await expect(duplicate).rejects.toMatchObject({ sku: product.sku });
  });

  it('restocks atomically, records the movement and returns the new stock', async () => {
    const product = await createTestProduct(orm, { stock: 3 });
    expect(await restock(orm, product.id, 4)).toBe(7);
    expect(await restock(orm, product.id, 1)).toBe(8);
    expect(await readStock(orm, product.id)).toBe(8);
    const movements = await select<{ orderId: string | null; delta: number }>(
      forkSql(orm),
      "SELECT order_id AS orderId, delta FROM stock_movement WHERE product_id = ? AND kind = 'RESTOCK' ORDER BY id",
      [product.id],
    );
    expect(movements).toEqual([
      { orderId: null, delta: 4 },
      { orderId: null, delta: 1 },
    ]);
  });

  it('restocks concurrently without losing an increment', async () => {
    const product = await createTestProduct(orm, { stock: 0 });
    await Promise.all(Array.from({ length: 10 }, () => restock(orm, product.id, 2)));
    expect(await readStock(orm, product.id)).toBe(20);
  });

  it('refuses to restock a missing product or by a non-positive quantity', async () => {
    await expect(restock(orm, 2_000_000_000, 1)).rejects.toBeInstanceOf(ProductNotFoundError);
    const product = await createTestProduct(orm);
    await expect(restock(orm, product.id, 0)).rejects.toBeInstanceOf(RangeError);
    expect(await readStock(orm, product.id)).toBe(10);
  });
});

describe('seedDemoProducts', () => {
  it('fills an empty catalogue once', async () => {
    await withScratchDatabase(async (orm) => {
      await migrateUp(orm);
      const seeded = await seedDemoProducts(orm);
      expect(seeded.map((product) => product.sku)).toEqual(DEMO_PRODUCTS.map((product) => product.sku));
      expect(await seedDemoProducts(orm)).toEqual([]);
      expect(await listProducts(orm)).toHaveLength(DEMO_PRODUCTS.length);
    });
  });
});
