/**
 * The inventory activities the order workflow calls, over the real Redis. They never touch the activity
 * Context, so they are called directly: what is pinned here is what the workflow sees, and what Temporal
 * does with a failure (retry it or not).
 */
import { ApplicationFailure } from '@temporalio/common';
import { createInventoryActivities } from '../../activities/inventory';
import { AVAILABILITY_NOT_LOADED } from '../../workflows/failures';
import { inventoryForThisFile } from '../support/redis';

const gate = inventoryForThisFile();
const { ids, productWith } = gate;
let activities: ReturnType<typeof createInventoryActivities>;
/** Products whose availability the activity asked to rebuild; this stand-in for MySQL knows 3 units of each. */
const rebuilt: number[] = [];
/** Orders whose release the activity recorded (MySQL's hold_release) before Redis gave the units back. */
const releasesRecorded: string[] = [];
/** These orders have no MySQL record: none is CONFIRMED. */
const noOrderRecord = async () => false;
const recordHoldRelease = async (orderId: string) => {
  releasesRecorded.push(orderId);
};

beforeAll(async () => {
  activities = createInventoryActivities(
    gate.inventory,
    async (productId) => {
      rebuilt.push(productId);
      await gate.inventory.rebuild({ productId, stock: 3, holds: [] }, await gate.inventory.epoch());
    },
    recordHoldRelease,
    noOrderRecord,
  );
});

describe('reserveStock', () => {
  it('answers {reserved: true} and takes the units', async () => {
    const productId = await productWith(5);

    expect(await activities.reserveStock({ orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] })).toEqual({ reserved: true });
    expect(await gate.inventory.available(productId)).toBe(3);
  });

  it('answers {reserved: false} naming the short product, and takes nothing', async () => {
    const [plenty, scarce] = [await productWith(5), await productWith(1)];
    const lines = [{ productId: plenty, quantity: 1 }, { productId: scarce, quantity: 2 }];

    // A plain answer, not a failure: out of stock is a business outcome the workflow turns into a rejection.
    expect(await activities.reserveStock({ orderId: ids.orderId(), lines })).toEqual({ reserved: false, productId: scarce });
    expect(await gate.inventory.availableMany([plenty, scarce])).toEqual([5, 1]);
  });

  it('takes stock once when the activity is retried for the same order', async () => {
    const productId = await productWith(5);
    const input = { orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] };

    expect(await activities.reserveStock(input)).toEqual({ reserved: true });
    expect(await activities.reserveStock(input)).toEqual({ reserved: true });
    expect(await gate.inventory.available(productId)).toBe(3);
  });

  it('rebuilds a lost availability from the system of record, then reserves against it', async () => {
    const loaded = await productWith(5);
    const missing = ids.productId();
    const input = { orderId: ids.orderId(), lines: [{ productId: loaded, quantity: 1 }, { productId: missing, quantity: 1 }] };

    expect(await activities.reserveStock(input)).toEqual({ reserved: true });

    expect(rebuilt).toEqual([missing]);
    expect(await gate.inventory.availableMany([loaded, missing])).toEqual([4, 2]);
  });

  it('throws a retryable AvailabilityNotLoaded failure when even a rebuild finds no product, taking nothing', async () => {
    const loaded = await productWith(5);
    const unknown = ids.productId();
    const noRebuild = createInventoryActivities(gate.inventory, async () => undefined, recordHoldRelease, noOrderRecord);
    const input = { orderId: ids.orderId(), lines: [{ productId: loaded, quantity: 1 }, { productId: unknown, quantity: 1 }] };

    const failure = await noRebuild.reserveStock(input).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: AVAILABILITY_NOT_LOADED, nonRetryable: false });
    expect((failure as ApplicationFailure).message).toContain(String(unknown));
    expect(await gate.inventory.available(loaded)).toBe(5);
  });
});

describe('releaseReservation', () => {
  it('gives the units back once, however often it runs (a retried compensation)', async () => {
    const productId = await productWith(5);
    const input = { orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] };
    await activities.reserveStock(input);

    await activities.releaseReservation(input);
    await activities.releaseReservation(input);

    expect(await gate.inventory.available(productId)).toBe(5);
    expect(releasesRecorded.filter((orderId) => orderId === input.orderId).length).toBeGreaterThan(0);
  });

  it('records the release in MySQL before Redis gives the units back, and gives nothing back when that fails', async () => {
    const productId = await productWith(5);
    const input = { orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] };
    await activities.reserveStock(input);
    const mysqlDown = createInventoryActivities(
      gate.inventory,
      async () => undefined,
      async () => {
        throw new Error('connection lost');
      },
      noOrderRecord,
    );

    await expect(mysqlDown.releaseReservation(input)).rejects.toThrow('connection lost');

    expect(await gate.inventory.available(productId)).toBe(3);
  });

  it('keeps a late duplicate reserveStock from taking the units again after release', async () => {
    const productId = await productWith(5);
    const input = { orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] };
    await activities.reserveStock(input);
    await activities.releaseReservation(input);

    expect(await activities.reserveStock(input)).toEqual({ reserved: false, productId });
    expect(await gate.inventory.available(productId)).toBe(5);
  });
});

describe('settleReservation', () => {
  it('keeps the units taken, however often it runs, and a later release does not give them back', async () => {
    const productId = await productWith(5);
    const input = { orderId: ids.orderId(), lines: [{ productId, quantity: 2 }] };
    await activities.reserveStock(input);

    await activities.settleReservation(input);
    await activities.settleReservation(input);
    await activities.releaseReservation(input);

    expect(await gate.inventory.available(productId)).toBe(3);
  });
});
