import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { RebuildSnapshot } from '../db/holds';
import type { StockLine } from '../workflows/order-types';
import { admissionKey, availabilityKey, epochKey, holdKey } from './keys';
import { reopenedChannel } from './sold-out-flags';
import { ADD_SCRIPT, ADMIT_SCRIPT, EPOCH_SCRIPT, FORGET_SCRIPT, REBUILD_SCRIPT, RELEASE_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT } from './scripts';

export type ReserveResult =
  | { outcome: 'RESERVED' }
  | { outcome: 'OUT_OF_STOCK'; productId: number }
  | { outcome: 'NOT_LOADED'; productId: number };

/** A day covers every retry of a reserve that could still arrive after its order finished. */
const TOMBSTONE_TTL_SECONDS = 24 * 60 * 60;
/**
 * A hold a rebuild recreated 'committed' (its sale already in MySQL's stock) is ended by its order's settle, or by its
 * release after the sale's restore, within the capture's retry window (CAPTURE_RETRY_WINDOW, 7 days by default); it
 * expires because its order may have been recorded CONFIRMED before the rebuild wrote it, with nothing left to end it.
 */
const COMMITTED_HOLD_TTL_SECONDS = 30 * 24 * 60 * 60;

type InventoryRedis = Redis & {
  reserveStock(...keysAndArgs: (string | number)[]): Promise<[number, number]>;
  releaseStock(...keysAndArgs: (string | number)[]): Promise<number>;
  settleStock(...keysAndArgs: (string | number)[]): Promise<number>;
  addStock(key: string, units: number): Promise<number | null>;
  rebuildStock(...keysAndArgs: (string | number)[]): Promise<number>;
  currentEpoch(key: string, fresh: string): Promise<string>;
  forgetAvailability(key: string, epochKey: string, fresh: string): Promise<number>;
  admitBuyer(...keysAndArgs: (string | number)[]): Promise<[number, number, number]>;
};

export type AdmissionResult = { admitted: true } | { admitted: false; productId: number; reason: 'SOLD_OUT' | 'ALL_CLAIMED' };

/**
 * Buyers admitted and not yet reserved may number this many times the units left. Claims end atomically when the
 * reservation is made (RESERVE_SCRIPT), so 1 admits exactly the buyers the unreserved units can serve.
 */
const ADMISSION_SLACK = 1;
/** A claim lives this long unless answered: an API that died mid-request cannot narrow the gate for good. */
const ADMISSION_CLAIM_MS = 30_000;

const encodeLines = (lines: StockLine[]): string => lines.map((line) => `${line.productId}:${line.quantity}`).join(',');

/**
 * Units must be positive whole numbers before they reach Lua: a negative one would make DECRBY invent stock, and
 * a fraction makes DECRBY fail midway through the script, after earlier lines were taken (Redis does not roll a
 * failed script back), leaving those units taken by no hold.
 */
function requireUnits(units: number, what: string): void {
  if (!Number.isSafeInteger(units) || units <= 0) throw new RangeError(`${what} must be a positive whole number, got ${units}`);
}

const requireLineQuantities = (lines: StockLine[]): void =>
  lines.forEach((line) => requireUnits(line.quantity, `quantity of product ${line.productId}`));

/** Live availability per product in Redis: the fast, atomic gate in front of MySQL's durable stock. */
export class Inventory {
  private readonly redis: InventoryRedis;

  constructor(redis: Redis) {
    redis.defineCommand('reserveStock', { lua: RESERVE_SCRIPT });
    redis.defineCommand('releaseStock', { lua: RELEASE_SCRIPT });
    redis.defineCommand('settleStock', { lua: SETTLE_SCRIPT });
    redis.defineCommand('addStock', { lua: ADD_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('rebuildStock', { lua: REBUILD_SCRIPT });
    redis.defineCommand('currentEpoch', { lua: EPOCH_SCRIPT, numberOfKeys: 1 });
    redis.defineCommand('forgetAvailability', { lua: FORGET_SCRIPT, numberOfKeys: 2 });
    redis.defineCommand('admitBuyer', { lua: ADMIT_SCRIPT });
    this.redis = redis as InventoryRedis;
  }

  /** Takes every line or none; running it again for the same order changes nothing. */
  async reserve(orderId: string, lines: StockLine[]): Promise<ReserveResult> {
    requireLineQuantities(lines);
    const encodedLines = encodeLines(lines);
    const [code, lineNumber] = await this.redis.reserveStock(
      lines.length * 2 + 1,
      holdKey(orderId),
      ...lines.map((line) => availabilityKey(line.productId)),
      ...lines.map((line) => admissionKey(line.productId)),
      ...lines.map((line) => line.quantity),
      encodedLines,
      orderId,
    );
    if (code === 1) return { outcome: 'RESERVED' };
    const productId = lineNumber > 0 ? lines[lineNumber - 1].productId : lines[0].productId;
    return code === -1 ? { outcome: 'NOT_LOADED', productId } : { outcome: 'OUT_OF_STOCK', productId };
  }

  /** Returns the units of a held reservation; a no-op for one already released, settled or never made. */
  async release(orderId: string, lines: StockLine[]): Promise<boolean> {
    requireLineQuantities(lines);
    const returned = await this.redis.releaseStock(
      lines.length + 1,
      holdKey(orderId),
      ...lines.map((line) => availabilityKey(line.productId)),
      ...lines.map((line) => line.quantity),
      TOMBSTONE_TTL_SECONDS,
    );
    if (returned === 1) await this.announceReopened(lines.map((line) => line.productId));
    return returned === 1;
  }

  /**
   * Keeps the units of a held reservation taken for good, once MySQL has committed the sale. `isRecordedConfirmed` is
   * asked only when the hold is gone (a flush): whether MySQL already records the order CONFIRMED, so that this is a
   * settle run again whose sale a rebuild has already counted (SETTLE_SCRIPT). Not given: an order's first settle.
   */
  async settle(orderId: string, lines: StockLine[], { isRecordedConfirmed }: { isRecordedConfirmed?: () => Promise<boolean> } = {}): Promise<boolean> {
    requireLineQuantities(lines);
    const run = (recorded: '1' | '0' | '?') =>
      this.redis.settleStock(
        lines.length + 1,
        holdKey(orderId),
        ...lines.map((line) => availabilityKey(line.productId)),
        ...lines.map((line) => line.quantity),
        TOMBSTONE_TTL_SECONDS,
        recorded,
      );
    let settled = await run(isRecordedConfirmed ? '?' : '1');
    // The script re-reads the hold: a rebuild that recreated it meanwhile is settled as any held reservation.
    if (settled === 2) settled = await run((await isRecordedConfirmed!()) ? '0' : '1');
    return settled === 1;
  }

  /**
   * The products whose last unit this order's reservation took (RESERVE_SCRIPT): each sell-out has exactly one such
   * order. Empty when it took none, and when its hold is gone (Redis lost its data, or the tombstone expired).
   */
  async soldOutBy(orderId: string): Promise<number[]> {
    const field = await this.redis.hget(holdKey(orderId), 'soldOut');
    return field ? field.split(',').map(Number) : [];
  }

  async available(productId: number): Promise<number | null> {
    const value = await this.redis.get(availabilityKey(productId));
    return value === null ? null : Number(value);
  }

  async availableMany(productIds: number[]): Promise<(number | null)[]> {
    if (productIds.length === 0) return [];
    const values = await this.redis.mget(productIds.map(availabilityKey));
    return values.map((value) => (value === null ? null : Number(value)));
  }

  /** The state of each order's hold ('held', 'committed', 'released', 'settled'), or null where it has none. */
  async holdStates(orderIds: string[]): Promise<(string | null)[]> {
    const pipeline = this.redis.pipeline();
    for (const orderId of orderIds) pipeline.hget(holdKey(orderId), 'state');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, state]) => {
      if (error) throw error;
      return typeof state === 'string' ? state : null;
    });
  }

  /**
   * Decides, in one atomic step, whether a buyer may start an order: refused when a product is sold out, or when
   * buyers admitted ahead and not yet reserved claim every unit left. Admission only sheds load; the reservation decides.
   */
  async admit(orderId: string, lines: StockLine[]): Promise<AdmissionResult> {
    requireLineQuantities(lines);
    const [admitted, lineNumber, code] = await this.redis.admitBuyer(
      lines.length * 2,
      ...lines.flatMap((line) => [availabilityKey(line.productId), admissionKey(line.productId)]),
      Date.now(),
      orderId,
      ADMISSION_CLAIM_MS,
      ADMISSION_SLACK,
      ...lines.map((line) => line.quantity),
    );
    if (admitted === 1) return { admitted: true };
    return { admitted: false, productId: lines[lineNumber - 1].productId, reason: code === 1 ? 'SOLD_OUT' : 'ALL_CLAIMED' };
  }

  /** The admitted buyer has had the workflow's answer: their claim no longer counts against the gate. */
  async answered(orderId: string, productIds: number[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const productId of productIds) pipeline.zrem(admissionKey(productId), orderId);
    await pipeline.exec();
  }

  /** The value that marks this life of Redis's data; read it before reading MySQL for a rebuild. */
  epoch(): Promise<string> {
    return this.redis.currentEpoch(epochKey, randomUUID());
  }

  /**
   * Rebuilds a product's lost availability from MySQL's view (stock and the open orders, read after `epoch`) in one
   * atomic step. 'REBUILT', 'PRESENT' when the availability was there (a live count is never touched), or 'FLUSHED'
   * when Redis lost its data again since the epoch was read: the view must be read again.
   */
  async rebuild(snapshot: RebuildSnapshot & { stock: number }, epoch: string): Promise<'REBUILT' | 'PRESENT' | 'FLUSHED'> {
    const { holds } = snapshot;
    // A recreated hold takes its order's units from each of its other products' counts too (REBUILD_SCRIPT).
    const otherProductIds = [...new Set(holds.flatMap((hold) => hold.lines.map((line) => line.productId)))].filter((id) => id !== snapshot.productId);
    const rebuilt = await this.redis.rebuildStock(
      holds.length + otherProductIds.length + 2,
      availabilityKey(snapshot.productId),
      epochKey,
      ...holds.map((hold) => holdKey(hold.orderId)),
      ...otherProductIds.map(availabilityKey),
      epoch,
      snapshot.stock,
      COMMITTED_HOLD_TTL_SECONDS,
      ...holds.flatMap((hold) => [hold.units, hold.sold ? 1 : 0, hold.reserved ? 1 : 0, hold.released ? 1 : 0, encodeLines(hold.lines)]),
    );
    if (rebuilt === 1) await this.announceReopened([snapshot.productId]);
    return rebuilt === 1 ? 'REBUILT' : rebuilt === 0 ? 'PRESENT' : 'FLUSHED';
  }

  /**
   * Drops the product's availability so that it is rebuilt from MySQL (inventory/availability-sync.ts), and starts
   * a new epoch so that no rebuild that read MySQL before now applies. After a change made in MySQL alone (a restock),
   * the rebuild that follows counts it exactly once, however often this runs.
   */
  async forget(productId: number): Promise<void> {
    await this.redis.forgetAvailability(availabilityKey(productId), epochKey, randomUUID());
  }

  /** Loads a product's availability unless it is already there (a live count must never be overwritten). */
  async load(productId: number, units: number): Promise<boolean> {
    const loaded = (await this.redis.set(availabilityKey(productId), units, 'NX')) === 'OK';
    if (loaded) await this.announceReopened([productId]);
    return loaded;
  }

  /**
   * Adds restocked units to a loaded availability and returns the new count. A product whose availability is not
   * loaded stays unloaded (null): its count is rebuilt from MySQL, which already includes the restock.
   */
  async add(productId: number, units: number): Promise<number | null> {
    requireUnits(units, 'restocked units');
    const available = await this.redis.addStock(availabilityKey(productId), units);
    await this.announceReopened([productId]);
    return available;
  }

  /**
   * Tells every API replica that units of these products may be available again, so their sold-out flags
   * (SoldOutFlags) end now rather than when they expire. Sent after the change it announces is made.
   */
  private async announceReopened(productIds: number[]): Promise<void> {
    const channel = reopenedChannel(this.redis);
    await Promise.all([...new Set(productIds)].map((productId) => this.redis.publish(channel, String(productId))));
  }
}
