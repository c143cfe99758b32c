import type { MikroORM } from '@mikro-orm/core';
import { Gauge, type Registry } from 'prom-client';
import { unitsHeldByOpenOrders } from '../db/holds';
import { forkSql, select } from '../db/sql';
import type { Inventory } from '../inventory/inventory';

/**
 * Label cardinality is bounded: a product is "on sale" while it has MySQL stock or was changed (sold, restocked) in
 * the last hour, and at most this many of them, the most recently changed first, get series. A catalogue of
 * thousands of idle products adds nothing; a sold-out product stays visible at 0 for an hour after its last sale.
 */
export const MAX_PRODUCTS_ON_SALE = 50;
const RECENT_HOURS = 1;

interface OnSale {
  id: number;
  stock: number;
}

async function productsOnSale(orm: MikroORM): Promise<OnSale[]> {
  const rows = await select<{ id: number; stock: number }>(
    forkSql(orm),
    `SELECT id, stock FROM product
      WHERE stock > 0 OR updated_at > UTC_TIMESTAMP(3) - INTERVAL ${RECENT_HOURS} HOUR
      ORDER BY updated_at DESC LIMIT ${MAX_PRODUCTS_ON_SALE}`,
  );
  return rows.map((row) => ({ id: Number(row.id), stock: Number(row.stock) }));
}

/**
 * Per product on sale, read when Prometheus scrapes (never on the order path): units left for sale in Redis, MySQL's
 * stock, and the drift between them. Redis availability must equal MySQL stock minus the units held by open orders
 * (invariant I2 of `npm run check`); a drift that lasts is a lost or invented unit.
 */
export function registerStockGauges(registry: Registry, deps: { orm: MikroORM; inventory: Inventory }): void {
  let snapshot: Promise<{ products: OnSale[]; available: (number | null)[]; held: Map<number, number> }> | undefined;
  // The three gauges are collected one after the other within one scrape: they share one read of the stores.
  const read = () => {
    snapshot ??= (async () => {
      try {
        const products = await productsOnSale(deps.orm);
        const [available, held] = await Promise.all([deps.inventory.availableMany(products.map((product) => product.id)), unitsHeldByOpenOrders(deps.orm)]);
        return { products, available, held };
      } finally {
        setImmediate(() => (snapshot = undefined));
      }
    })();
    return snapshot;
  };

  new Gauge({
    name: 'product_units_available',
    help: 'Units left for sale in Redis (the admission and reservation count), per product on sale',
    labelNames: ['product_id'] as const,
    registers: [registry],
    // Every API process reads the same stores: with several (API_PROCESSES), the primary shows one value, not the sum.
    aggregator: 'first',
    async collect() {
      const { products, available } = await read();
      this.reset();
      products.forEach((product, index) => {
        const units = available[index];
        if (units !== null && units !== undefined) this.set({ product_id: String(product.id) }, units);
      });
    },
  });
  new Gauge({
    name: 'product_stock_units',
    help: "MySQL's stock per product on sale (units not yet sold for good)",
    labelNames: ['product_id'] as const,
    registers: [registry],
    aggregator: 'first',
    async collect() {
      const { products } = await read();
      this.reset();
      for (const product of products) this.set({ product_id: String(product.id) }, product.stock);
    },
  });
  new Gauge({
    name: 'stock_drift_units',
    help: 'Redis availability minus (MySQL stock - units held by open orders), per product on sale; 0 when they agree',
    labelNames: ['product_id'] as const,
    registers: [registry],
    aggregator: 'first',
    async collect() {
      const { products, available, held } = await read();
      this.reset();
      products.forEach((product, index) => {
        const units = available[index];
        if (units === null || units === undefined) return;
        this.set({ product_id: String(product.id) }, units - (product.stock - (held.get(product.id) ?? 0)));
      });
    },
  });
}
