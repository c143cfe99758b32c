/**
 * The Redis stock gate, against the real Redis: atomic all-or-nothing reservations, idempotent
 * release/settle with tombstones, and no overselling when many buyers race for the last units.
 */
import type { Redis } from 'ioredis';
import { Inventory, type ReserveResult } from '../../inventory/inventory';
import type { StockLine } from '../../workflows/order-types';
import { availabilityKey, holdKey } from '../../inventory/keys';
import { closeAll, inventoryForThisFile, openTestRedisPool } from '../support/redis';

const ONE_DAY_SECONDS = 24 * 60 * 60;

const gate = inventoryForThisFile();
const { ids, productWith } = gate;


const holdState = (orderId: string) => gate.redis.hget(holdKey(orderId), 'state');

describe('reserve', () => {
  it('takes the units of every line of the order', async () => {
    const [shirt, mug] = [await productWith(10), await productWith(5)];
    const orderId = ids.orderId();

    expect(await gate.inventory.reserve(orderId, [{ productId: shirt, quantity: 3 }, { productId: mug, quantity: 5 }])).toEqual({ outcome: 'RESERVED' });

    expect(await gate.inventory.availableMany([shirt, mug])).toEqual([7, 0]);
    expect(await holdState(orderId)).toBe('held');
  });

  it('takes every line or none: when the second line is short, nothing is taken from the first', async () => {
    const [plenty, scarce] = [await productWith(10), await productWith(2)];
    const orderId = ids.orderId();

    const result = await gate.inventory.reserve(orderId, [{ productId: plenty, quantity: 4 }, { productId: scarce, quantity: 3 }]);

    expect(result).toEqual({ outcome: 'OUT_OF_STOCK', productId: scarce });
    expect(await gate.inventory.availableMany([plenty, scarce])).toEqual([10, 2]);
    // No hold is left behind, so a later attempt of the same order (after a restock) may still succeed.
    expect(await gate.redis.exists(holdKey(orderId))).toBe(0);
  });

  it('grants an order that takes exactly what is left, and refuses one more unit', async () => {
    const productId = await productWith(3);

    expect(await gate.inventory.reserve(ids.orderId(), [{ productId, quantity: 3 }])).toEqual({ outcome: 'RESERVED' });
    expect(await gate.inventory.reserve(ids.orderId(), [{ productId, quantity: 1 }])).toEqual({ outcome: 'OUT_OF_STOCK', productId });
    expect(await gate.inventory.available(productId)).toBe(0);
  });

  it('counts the same product on two lines together, so their sum cannot exceed what is available', async () => {
    // Each line alone fits (2 ≤ 3) but together they need 4: checking lines one by one would drive availability to -1.
    const productId = await productWith(3);
    const orderId = ids.orderId();

    const result = await gate.inventory.reserve(orderId, [{ productId, quantity: 2 }, { productId, quantity: 2 }]);

    expect(result).toEqual({ outcome: 'OUT_OF_STOCK', productId });
    expect(await gate.inventory.available(productId)).toBe(3);
    expect(await gate.redis.exists(holdKey(orderId))).toBe(0);
  });

  it('takes the same product on two lines when their sum fits, and release gives both back', async () => {
    const productId = await productWith(4);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 1 }, { productId, quantity: 3 }];

    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
    expect(await gate.inventory.available(productId)).toBe(0);
    expect(await gate.inventory.release(orderId, lines)).toBe(true);
    expect(await gate.inventory.available(productId)).toBe(4);
  });

  it('rejects quantities that are not positive whole numbers before touching any stock', async () => {
    // A negative quantity would DECRBY a negative number and invent stock; 1.5 makes Redis fail mid-script,
    // after the earlier lines were already taken (a Lua error does not roll back the writes before it).
    const [first, second] = [await productWith(5), await productWith(5)];
    for (const quantity of [0, -2, 1.5, Number.NaN]) {
      const orderId = ids.orderId();
      await expect(gate.inventory.reserve(orderId, [{ productId: first, quantity: 1 }, { productId: second, quantity }])).rejects.toThrow(RangeError);
      expect(await gate.redis.exists(holdKey(orderId))).toBe(0);
    }
    expect(await gate.inventory.availableMany([first, second])).toEqual([5, 5]);
  });

  it('rejects such quantities on release too, leaving the hold and the stock as they were', async () => {
    const productId = await productWith(5);
    const orderId = ids.orderId();
    await gate.inventory.reserve(orderId, [{ productId, quantity: 2 }]);

    await expect(gate.inventory.release(orderId, [{ productId, quantity: -2 }])).rejects.toThrow(RangeError);

    expect(await gate.inventory.available(productId)).toBe(3);
    expect(await holdState(orderId)).toBe('held');
  });

  it('says NOT_LOADED when a product has no availability in Redis, and takes nothing from the other lines', async () => {
    const loaded = await productWith(10);
    const missing = ids.productId();
    const orderId = ids.orderId();

    const result = await gate.inventory.reserve(orderId, [{ productId: loaded, quantity: 2 }, { productId: missing, quantity: 1 }]);

    expect(result).toEqual({ outcome: 'NOT_LOADED', productId: missing });
    expect(await gate.inventory.availableMany([loaded, missing])).toEqual([10, null]);
    expect(await gate.redis.exists(holdKey(orderId))).toBe(0);
  });

  it('proceeds once the missing availability is loaded (what a retry after recovery sees)', async () => {
    const productId = ids.productId();
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 2 }];

    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'NOT_LOADED', productId });
    await gate.inventory.load(productId, 5);
    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
    expect(await gate.inventory.available(productId)).toBe(3);
  });
});

describe('idempotency and the hold lifecycle', () => {
  it('takes stock once when the same order is reserved twice (a retried activity)', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];

    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });

    expect(await gate.inventory.available(productId)).toBe(6);
  });

  it('gives the units back once when the same order is released twice', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(orderId, lines);

    expect(await gate.inventory.release(orderId, lines)).toBe(true);
    expect(await gate.inventory.release(orderId, lines)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(10);
    expect(await holdState(orderId)).toBe('released');
  });

  it('returns no units for a hold Redis has lost, and leaves a released tombstone so a rebuild does not count it', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();

    expect(await gate.inventory.release(orderId, [{ productId, quantity: 4 }])).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(10);
    expect(await holdState(orderId)).toBe('released');
    expect(await gate.redis.ttl(holdKey(orderId))).toBeGreaterThan(0);
  });

  it('keeps settled units taken: a later release does not give them back, a second settle is a no-op', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(orderId, lines);

    expect(await gate.inventory.settle(orderId, lines)).toBe(true);
    expect(await gate.inventory.settle(orderId, lines)).toBe(false);
    expect(await gate.inventory.release(orderId, lines)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(6);
    expect(await holdState(orderId)).toBe('settled');
  });

  it('settles an order released by a workflow task that was lost, whose retry took the sale: its units are taken again', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(orderId, lines);
    await gate.inventory.release(orderId, lines);

    expect(await gate.inventory.settle(orderId, lines)).toBe(true);
    expect(await gate.inventory.settle(orderId, lines)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(6);
    expect(await holdState(orderId)).toBe('settled');
  });

  it('takes nothing again for a released hold that gave nothing back (Redis had lost it)', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.release(orderId, lines);

    expect(await gate.inventory.settle(orderId, lines)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(10);
    expect(await holdState(orderId)).toBe('released');
  });

  it('takes the units of a sale whose hold Redis lost: the rebuilt availability never counted that order', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];

    expect(await gate.inventory.settle(orderId, lines)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(6);
    expect(await holdState(orderId)).toBe('settled');
    expect(await gate.inventory.settle(orderId, lines)).toBe(false);
    expect(await gate.inventory.available(productId)).toBe(6);
  });

  it('asks whether the order is recorded CONFIRMED only when its hold is gone, and then takes nothing for a sale MySQL records', async () => {
    const productId = await productWith(10);
    const held = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(held, lines);
    const asked: string[] = [];
    const ask = (orderId: string, answer: boolean) => async () => {
      asked.push(orderId);
      return answer;
    };

    expect(await gate.inventory.settle(held, lines, { isRecordedConfirmed: ask(held, false) })).toBe(true);
    expect(asked).toEqual([]);

    // A hold lost in a flush, for an order MySQL already records CONFIRMED: its sale is counted already, nothing taken.
    const recorded = ids.orderId();
    expect(await gate.inventory.settle(recorded, lines, { isRecordedConfirmed: ask(recorded, true) })).toBe(false);
    expect(asked).toEqual([recorded]);
    expect(await gate.inventory.available(productId)).toBe(6);
    expect(await holdState(recorded)).toBe('settled');
  });

  it('leaves a missing availability to the rebuild when a sale settles a lost hold', async () => {
    const productId = ids.productId();
    const orderId = ids.orderId();

    await gate.inventory.settle(orderId, [{ productId, quantity: 4 }]);

    expect(await gate.inventory.available(productId)).toBeNull();
  });

  it('does not take stock again for a reserve arriving after its order was released (a late duplicate)', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(orderId, lines);
    await gate.inventory.release(orderId, lines);

    const late = await gate.inventory.reserve(orderId, lines);

    // Reported as not reserved (productId is the first line's, as there is no short line to name).
    expect(late).toEqual({ outcome: 'OUT_OF_STOCK', productId });
    expect(await gate.inventory.available(productId)).toBe(10);
    expect(await holdState(orderId)).toBe('released');
  });

  it('reports a late duplicate reserve of a settled order as reserved, without taking stock again', async () => {
    const productId = await productWith(10);
    const orderId = ids.orderId();
    const lines = [{ productId, quantity: 4 }];
    await gate.inventory.reserve(orderId, lines);
    await gate.inventory.settle(orderId, lines);

    expect(await gate.inventory.reserve(orderId, lines)).toEqual({ outcome: 'RESERVED' });
    expect(await gate.inventory.available(productId)).toBe(6);
  });

  it('gives finished holds (tombstones) a TTL of up to a day, and active holds none', async () => {
    const productId = await productWith(10);
    const [held, released, settled] = ids.orderIdList(3);
    const lines = [{ productId, quantity: 1 }];
    for (const orderId of [held, released, settled]) await gate.inventory.reserve(orderId, lines);
    await gate.inventory.release(released, lines);
    await gate.inventory.settle(settled, lines);

    // -1: the key exists without expiry. An active hold must never vanish, or its units would be lost for good.
    expect(await gate.redis.ttl(holdKey(held))).toBe(-1);
    for (const orderId of [released, settled]) {
      const ttl = await gate.redis.ttl(holdKey(orderId));
      expect(ttl).toBeGreaterThan(ONE_DAY_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(ONE_DAY_SECONDS);
    }
    // The availability itself never expires.
    expect(await gate.redis.ttl(availabilityKey(productId))).toBe(-1);
  });

  it('records the order lines on the hold, and the products whose last unit it took', async () => {
    const [a, b] = [await productWith(10), await productWith(1)];
    const orderId = ids.orderId();
    await gate.inventory.reserve(orderId, [{ productId: a, quantity: 2 }, { productId: b, quantity: 1 }]);

    expect(await gate.redis.hgetall(holdKey(orderId))).toEqual({ state: 'held', lines: `${a}:2,${b}:1`, soldOut: `${b}` });
  });

  it('names the one reservation that sold a product out, however many race for its last units', async () => {
    const productId = await productWith(5);
    const orderIds = ids.orderIdList(20);
    const connections = await openTestRedisPool(4);
    try {
      const gates = connections.map((connection) => new Inventory(connection));
      await Promise.all(orderIds.map((orderId, index) => gates[index % gates.length].reserve(orderId, [{ productId, quantity: 1 }])));
    } finally {
      await closeAll(connections);
    }
    const soldOutBy = await Promise.all(orderIds.map((orderId) => gate.inventory.soldOutBy(orderId)));
    expect(soldOutBy.filter((products) => products.includes(productId))).toHaveLength(1);
  });
});

describe('load and add', () => {
  it('loads availability only when none is there: a live count is never overwritten', async () => {
    const productId = ids.productId();

    expect(await gate.inventory.load(productId, 10)).toBe(true);
    await gate.inventory.reserve(ids.orderId(), [{ productId, quantity: 3 }]);
    // A reload from MySQL (stock 10) would undo the 3 units held in Redis only, and allow overselling them.
    expect(await gate.inventory.load(productId, 10)).toBe(false);

    expect(await gate.inventory.available(productId)).toBe(7);
  });

  it('reads null for a product whose availability is not loaded, and an empty list for no products', async () => {
    expect(await gate.inventory.available(ids.productId())).toBeNull();
    expect(await gate.inventory.availableMany([])).toEqual([]);
  });

  it('adds restocked units to a loaded availability and returns the new count', async () => {
    const productId = await productWith(2);
    await gate.inventory.reserve(ids.orderId(), [{ productId, quantity: 2 }]);

    expect(await gate.inventory.add(productId, 5)).toBe(5);
    expect(await gate.inventory.available(productId)).toBe(5);
  });

  it('does not invent availability when restocking a product that is not loaded (returns null)', async () => {
    // INCRBY on a missing key would create a count of just the restocked units, ignoring the stock MySQL
    // already has; the next load (SET NX) would then keep that wrong count. Loading must come from MySQL.
    const productId = ids.productId();

    expect(await gate.inventory.add(productId, 5)).toBeNull();

    expect(await gate.inventory.available(productId)).toBeNull();
    expect(await gate.redis.exists(availabilityKey(productId))).toBe(0);
  });

  it('rejects restocking by a quantity that is not a positive whole number', async () => {
    const productId = await productWith(2);
    for (const units of [0, -3, 2.5]) await expect(gate.inventory.add(productId, units)).rejects.toThrow(RangeError);
    expect(await gate.inventory.available(productId)).toBe(2);
  });
});

describe('the race for the last units', () => {
  const CONNECTIONS = 8;
  let pool: Redis[];
  let inventories: Inventory[];

  beforeAll(async () => {
    pool = await openTestRedisPool(CONNECTIONS);
    inventories = pool.map((connection) => new Inventory(connection));
  });
  afterAll(() => closeAll(pool));

  /** Fires every call at once, spread round-robin over the connections, so Redis sees them interleaved. */
  function concurrently<T>(calls: Array<(inventory: Inventory) => Promise<T>>): Promise<T[]> {
    return Promise.all(calls.map((call, index) => call(inventories[index % CONNECTIONS])));
  }

  /**
   * Polls the availability of `productIds` as fast as it can until stop() is called, and returns the lowest
   * value seen: a check that availability never dips below zero while the race is on, not only at its end.
   */
  function watchLowest(productIds: number[]): { stop(): Promise<number> } {
    let running = true;
    let lowest = Number.POSITIVE_INFINITY;
    const done = (async () => {
      while (running) {
        for (const value of await gate.inventory.availableMany(productIds)) if (value !== null) lowest = Math.min(lowest, value);
      }
    })();
    return {
      async stop() {
        running = false;
        await done;
        return lowest;
      },
    };
  }

  it('grants exactly the stock to 500 concurrent single-unit orders for 10 units, never more', async () => {
    const STOCK = 10;
    const productId = await productWith(STOCK);
    const orderIds = ids.orderIdList(500, 'race');

    const watcher = watchLowest([productId]);
    const results = await concurrently(orderIds.map((orderId) => (inv: Inventory) => inv.reserve(orderId, [{ productId, quantity: 1 }])));
    const lowestSeen = await watcher.stop();

    const granted = orderIds.filter((_, index) => results[index].outcome === 'RESERVED');
    expect(granted).toHaveLength(STOCK);
    expect(results.filter((result) => result.outcome === 'OUT_OF_STOCK')).toHaveLength(500 - STOCK);
    expect(await gate.inventory.available(productId)).toBe(0);
    expect(lowestSeen).toBeGreaterThanOrEqual(0);
    // Exactly the granted orders hold units; the refused ones left no hold behind.
    const states = await Promise.all(orderIds.map(holdState));
    expect(states.filter((state) => state === 'held')).toHaveLength(STOCK);
    expect(states.filter((state) => state === null)).toHaveLength(500 - STOCK);
  });

  it('with mixed quantities of 1–3, grants exactly what was taken and refuses only orders that no longer fit', async () => {
    const STOCK = 25;
    const productId = await productWith(STOCK);
    const orders = ids.orderIdList(400, 'race-mixed').map((orderId, index) => ({ orderId, quantity: (index % 3) + 1 }));

    const watcher = watchLowest([productId]);
    const results = await concurrently(orders.map(({ orderId, quantity }) => (inv: Inventory) => inv.reserve(orderId, [{ productId, quantity }])));
    const lowestSeen = await watcher.stop();

    const final = (await gate.inventory.available(productId)) as number;
    const grantedUnits = orders.filter((_, index) => results[index].outcome === 'RESERVED').reduce((sum, order) => sum + order.quantity, 0);
    expect(final).toBeGreaterThanOrEqual(0);
    expect(lowestSeen).toBeGreaterThanOrEqual(0);
    expect(grantedUnits).toBeLessThanOrEqual(STOCK);
    expect(grantedUnits).toBe(STOCK - final);
    // Availability only falls during the race, so every refused order was refused while at least `final` was
    // left: none of them could have fit in what is left now, i.e. no stock was refused while it was there.
    const refused = orders.filter((_, index) => results[index].outcome === 'OUT_OF_STOCK');
    expect(refused.length).toBe(orders.length - results.filter((result) => result.outcome === 'RESERVED').length);
    for (const order of refused) expect(order.quantity).toBeGreaterThan(final);
    // With 400 orders (at least 133 of one unit) for 25 units, the stock sells out.
    expect(final).toBe(0);
  });

  it('keeps multi-line orders all-or-nothing under the race: each product loses exactly what the granted orders hold', async () => {
    const [a, b] = [await productWith(12), await productWith(20)];
    const orders = ids.orderIdList(300, 'race-lines').map((orderId, index) => ({
      orderId,
      lines: [
        { productId: a, quantity: (index % 2) + 1 },
        { productId: b, quantity: (index % 3) + 1 },
      ] as StockLine[],
    }));

    const watcher = watchLowest([a, b]);
    const results = await concurrently(orders.map(({ orderId, lines }) => (inv: Inventory) => inv.reserve(orderId, lines)));
    const lowestSeen = await watcher.stop();

    const granted = orders.filter((_, index) => results[index].outcome === 'RESERVED');
    const taken = (productId: number) =>
      granted.flatMap((order) => order.lines).filter((line) => line.productId === productId).reduce((sum, line) => sum + line.quantity, 0);
    const [finalA, finalB] = (await gate.inventory.availableMany([a, b])) as number[];
    expect(lowestSeen).toBeGreaterThanOrEqual(0);
    expect(granted.length).toBeGreaterThan(0);
    expect(taken(a)).toBe(12 - finalA);
    expect(taken(b)).toBe(20 - finalB);
  });

  it('with reserves and releases racing, ends at the initial stock minus the units still held', async () => {
    const STOCK = 100;
    const productId = await productWith(STOCK);
    const lineFor = (quantity: number): StockLine[] => [{ productId, quantity }];

    // 40 orders already hold 2 units each (80 of 100).
    const earlier = ids.orderIdList(40, 'held').map((orderId, index) => ({ orderId, quantity: 2, index }));
    for (const { orderId, quantity } of earlier) expect(await gate.inventory.reserve(orderId, lineFor(quantity))).toEqual({ outcome: 'RESERVED' });
    const newcomers = ids.orderIdList(200, 'newcomer').map((orderId, index) => ({ orderId, quantity: (index % 3) + 1 }));

    // Half of the earlier orders are released, some twice (a retried compensation), while 200 newcomers reserve.
    const toRelease = earlier.filter(({ index }) => index % 2 === 0);
    const releaseCalls = [...toRelease, ...toRelease.filter(({ index }) => index % 4 === 0)].map(
      ({ orderId, quantity }) => (inv: Inventory) => inv.release(orderId, lineFor(quantity)),
    );
    const reserveCalls = newcomers.map(({ orderId, quantity }) => (inv: Inventory) => inv.reserve(orderId, lineFor(quantity)));
    // Spread the releases evenly through the reserves, so they land in the middle of the storm, not before or after it.
    const spread = <T>(items: T[]) => items.map((item, index) => ({ item, at: (index + 0.5) / items.length }));
    const calls = [...spread<(inv: Inventory) => Promise<ReserveResult | boolean>>(reserveCalls), ...spread(releaseCalls)]
      .sort((x, y) => x.at - y.at)
      .map(({ item }) => item);

    const watcher = watchLowest([productId]);
    const outcomes = await concurrently(calls);
    const lowestSeen = await watcher.stop();

    // Each release of an earlier order gave units back exactly once, however often it was called.
    expect(outcomes.filter((outcome) => outcome === true)).toHaveLength(toRelease.length);
    const everyOrder = [...earlier, ...newcomers];
    const states = await Promise.all(everyOrder.map(({ orderId }) => holdState(orderId)));
    const stillHeld = everyOrder.filter((_, index) => states[index] === 'held').reduce((sum, order) => sum + order.quantity, 0);
    expect(await gate.inventory.available(productId)).toBe(STOCK - stillHeld);
    expect(lowestSeen).toBeGreaterThanOrEqual(0);
    expect(states.filter((state) => state === 'released')).toHaveLength(toRelease.length);
  });
});
