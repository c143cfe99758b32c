/**
 * The real Redis for tests. Other suites (and the running app) share it, so tests never flush it:
 * every product and order a test makes gets an id of its own, and only those keys are deleted afterwards.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../config';
import { Inventory } from '../../inventory/inventory';
import { admissionKey, availabilityKey, holdKey } from '../../inventory/keys';
import { connectRedis } from '../../inventory/redis';

/** Connects to REDIS_URL; close it with quit() in afterAll. */
export function openTestRedis(): Promise<Redis> {
  return connectRedis(loadConfig().REDIS_URL);
}

/** Opens `count` separate connections, for tests that race commands against each other. */
export function openTestRedisPool(count: number): Promise<Redis[]> {
  return Promise.all(Array.from({ length: count }, () => openTestRedis()));
}

export async function closeAll(connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((connection) => connection.quit()));
}

/**
 * Hands out product and order ids no other test or run uses, and remembers them so that cleanup()
 * deletes exactly their keys. Product ids start far above anything MySQL's auto-increment hands out
 * (900,000,000+), so an inventory test can never touch a real product's availability.
 */
export class TestInventoryKeys {
  private readonly productIds = new Set<number>();
  private readonly orderIds = new Set<string>();
  // One random base per instance, then consecutive ids: unique within a test, and unlikely to meet another run's.
  private nextProductId = 900_000_000 + randomInt(0, 90_000_000);

  productId(): number {
    const id = this.nextProductId++;
    this.productIds.add(id);
    return id;
  }

  productIdList(count: number): number[] {
    return Array.from({ length: count }, () => this.productId());
  }

  orderId(label = 'order'): string {
    const id = `test-${label}-${randomUUID()}`;
    this.orderIds.add(id);
    return id;
  }

  orderIdList(count: number, label = 'order'): string[] {
    return Array.from({ length: count }, () => this.orderId(label));
  }

  /** Deletes the availability, admission and hold keys of every id handed out so far, and forgets them. */
  async cleanup(redis: Redis): Promise<void> {
    const keys = [...[...this.productIds].flatMap((id) => [availabilityKey(id), admissionKey(id)]), ...[...this.orderIds].map(holdKey)];
    for (let start = 0; start < keys.length; start += 500) await redis.del(...keys.slice(start, start + 500));
    this.productIds.clear();
    this.orderIds.clear();
  }
}

export interface InventoryFixture {
  readonly redis: Redis;
  readonly inventory: Inventory;
  readonly ids: TestInventoryKeys;
  /** A fresh product whose availability is loaded with `units`. */
  productWith(units: number): Promise<number>;
}

/**
 * The Redis stock gate one test file runs against: a connection and an Inventory of its own, opened before the file's
 * tests and closed after them; after each test, the keys of the ids it was handed are deleted. Read `redis` and
 * `inventory` inside tests (they exist once beforeAll has run).
 */
export function inventoryForThisFile(): InventoryFixture {
  const ids = new TestInventoryKeys();
  let opened: { redis: Redis; inventory: Inventory } | undefined;
  const current = () => {
    if (!opened) throw new Error('Redis opens in beforeAll');
    return opened;
  };
  beforeAll(async () => {
    const redis = await openTestRedis();
    opened = { redis, inventory: new Inventory(redis) };
  });
  afterEach(() => opened && ids.cleanup(opened.redis));
  afterAll(async () => {
    await opened?.redis.quit();
  });
  return {
    get redis() {
      return current().redis;
    },
    get inventory() {
      return current().inventory;
    },
    ids,
    async productWith(units) {
      const productId = ids.productId();
      expect(await current().inventory.load(productId, units)).toBe(true);
      return productId;
    },
  };
}
