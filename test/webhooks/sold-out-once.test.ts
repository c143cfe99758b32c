/**
 * product.sold_out is one event per sell-out, against the real Redis and MySQL: the order whose reservation took the
 * last unit is its cause, whatever the availability is when each order's RESERVED status is recorded (the recording
 * step runs after the reservation, concurrently with other orders', and at least once).
 */
import type { MikroORM } from '@mikro-orm/core';
import { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { forkSql, run, select } from '../../db/sql';
import { Inventory } from '../../inventory/inventory';
import { createWebhookEmitter, type WebhookEmitter } from '../../webhooks/emitter';
import { newEndpointId, newSigningSecret } from '../../webhooks/secrets';
import { createEndpoint, deleteEndpoint } from '../../webhooks/store';
import type { OrderView } from '../../workflows/order-types';
import { openTestOrm, uniqueSuffix } from '../support/db';
import { openTestRedis, TestInventoryKeys } from '../support/redis';

let orm: MikroORM;
let redis: Redis;
let inventory: Inventory;
let emitter: WebhookEmitter;
let endpointId: string;
const ids = new TestInventoryKeys();

beforeAll(async () => {
  orm = await openTestOrm();
  redis = await openTestRedis();
  inventory = new Inventory(redis);
  // Only record() is exercised here: the client (lazy, never connected) would start the deliveries.
  emitter = createWebhookEmitter(orm, { client: new Client(), soldOutBy: (orderId) => inventory.soldOutBy(orderId) });
  // An event is recorded only while an endpoint subscribes to its type.
  endpointId = newEndpointId();
  await createEndpoint(orm, { id: endpointId, url: 'https://example.com/hooks', events: ['product.sold_out'], secret: newSigningSecret() });
}, 60_000);

afterEach(() => ids.cleanup(redis));

afterAll(async () => {
  await deleteEndpoint(orm, endpointId);
  // Keep the shared table from growing with every run: these events name this file's test products only.
  await run(forkSql(orm), "DELETE FROM webhook_event WHERE type = 'product.sold_out' AND payload LIKE '%\"sku\":\"sold-out-once-%'");
  await redis?.quit();
  await orm?.close();
});

interface Product {
  id: number;
  sku: string;
}

async function productWith(units: number): Promise<Product> {
  const product = { id: ids.productId(), sku: `sold-out-once-${uniqueSuffix()}` };
  await inventory.load(product.id, units);
  return product;
}

async function reserved(product: Product, quantity: number): Promise<OrderView> {
  const orderId = ids.orderId('sold-out-once');
  expect(await inventory.reserve(orderId, [{ productId: product.id, quantity }])).toEqual({ outcome: 'RESERVED' });
  return {
    id: orderId,
    customerId: 'cus-sold-out-once',
    status: 'RESERVED',
    items: [{ productId: product.id, sku: product.sku, quantity, unitPriceCents: 100 }],
    totalCents: 100 * quantity,
    reservedUntil: new Date(Date.now() + 60_000).toISOString(),
    payment: null,
    notifications: [],
    requestHash: 'test',
  };
}

/** The recording step's part: the order's events written in its transaction. */
const recordStatus = (view: OrderView) => forkSql(orm).transactional((em) => emitter.record(em, view));

/** The orders named by the product.sold_out events recorded for this product (in no particular order). */
async function soldOutOrders(product: Product): Promise<string[]> {
  const rows = await select<{ payload: string }>(
    forkSql(orm),
    "SELECT payload FROM webhook_event WHERE type = 'product.sold_out' AND payload LIKE ? ORDER BY id",
    [`%"sku":"${product.sku}"%`],
  );
  return rows.map((row) => JSON.parse(row.payload).data.orderId).sort();
}

test('two orders that take the last units before either is recorded: one event, naming the order that took the last one', async () => {
  const product = await productWith(2);
  const first = await reserved(product, 1);
  const last = await reserved(product, 1);

  await recordStatus(first); // the availability is 0 by now, but this order did not take the last unit
  await recordStatus(last);

  expect(await soldOutOrders(product)).toEqual([last.id]);
});

test('units that come back before the record is written do not hide the sell-out', async () => {
  const product = await productWith(1);
  const last = await reserved(product, 1);
  await inventory.add(product.id, 3); // a restock lands between the reservation and its record

  await recordStatus(last);

  expect(await soldOutOrders(product)).toEqual([last.id]);
});

test('a retried recording step records the same event once', async () => {
  const product = await productWith(1);
  const last = await reserved(product, 1);

  await recordStatus(last);
  // The reserve activity retried (it answers RESERVED again without taking anything), then the recording step again.
  expect(await inventory.reserve(last.id, [{ productId: product.id, quantity: 1 }])).toEqual({ outcome: 'RESERVED' });
  await recordStatus(last);

  expect(await soldOutOrders(product)).toEqual([last.id]);
});

test('a product restocked and sold out again is a new sell-out: a second event', async () => {
  const product = await productWith(1);
  const first = await reserved(product, 1);
  await recordStatus(first);
  await inventory.add(product.id, 2);
  const second = await reserved(product, 2);
  await recordStatus(second);

  expect(await soldOutOrders(product)).toEqual([first.id, second.id].sort());
});

test('an order of several lines sells out only the products whose last unit it took', async () => {
  const [scarce, plenty] = [await productWith(2), await productWith(10)];
  const orderId = ids.orderId('sold-out-once');
  const lines = [
    { productId: scarce.id, quantity: 2 },
    { productId: plenty.id, quantity: 2 },
  ];
  expect(await inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
  expect(await inventory.soldOutBy(orderId)).toEqual([scarce.id]);
});
