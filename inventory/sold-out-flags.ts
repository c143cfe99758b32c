import type { Redis } from 'ioredis';
import type { StockLine } from '../workflows/order-types';

/**
 * Products this process has seen sold out, so the next buyer of one is refused without a Redis round trip: during a
 * drop almost every request is for a sold-out product, and this makes the refusal as cheap as a health check.
 *
 * A flag ends as soon as any process announces that units of the product came back (a release, a restock, a
 * rebuild: `announceReopened`), on every API replica, through Redis pub/sub. Pub/sub is at most once, so a flag
 * also ends after `maxAgeMs` on its own, and every flag ends when the subscription reconnects: a message lost to
 * a crash or a disconnect keeps a product shut for at most that long, never for good. A stale flag can only refuse a
 * buyer who might have had a unit; it can never admit one, so it cannot oversell.
 */
export class SoldOutFlags {
  /** Per product: the smallest quantity the gate found more than the units left, and when. */
  private readonly flags = new Map<number, { quantity: number; at: number }>();

  constructor(private readonly maxAgeMs = DEFAULT_FLAG_MAX_AGE_MS) {}

  /** The gate found fewer units of the product left than `quantity`. */
  mark(productId: number, quantity: number): void {
    const earlier = this.flags.get(productId);
    this.flags.set(productId, { quantity: Math.min(quantity, earlier?.quantity ?? quantity), at: Date.now() });
  }

  /** The first line asking for at least a quantity already found too many, while its flag lasts; or undefined. */
  firstSoldOut(lines: readonly StockLine[]): StockLine | undefined {
    if (this.flags.size === 0) return undefined;
    for (const line of lines) {
      const flag = this.flags.get(line.productId);
      if (flag === undefined) continue;
      if (Date.now() - flag.at >= this.maxAgeMs) this.flags.delete(line.productId);
      else if (line.quantity >= flag.quantity) return line;
    }
    return undefined;
  }

  reopen(productId: number): void {
    this.flags.delete(productId);
  }

  clear(): void {
    this.flags.clear();
  }
}

/** Long enough to spare Redis nearly every refusal of a drop; short enough that a lost message costs little. */
export const DEFAULT_FLAG_MAX_AGE_MS = 2_000;

/**
 * Channel on which units coming back are announced. Pub/sub channels span every database of a Redis server, so the
 * database number is part of the name: a test run on database 1 never reopens the service's products on database 0.
 */
export const reopenedChannel = (redis: Redis): string => `{inv}:reopened:${redis.options.db ?? 0}`;

/**
 * Keeps `flags` in step with the announcements, on a connection of its own (a subscribed connection takes no other
 * commands). Returns a function that ends the subscription.
 */
export async function followReopenedProducts(redis: Redis, flags: SoldOutFlags): Promise<() => void> {
  const subscriber = redis.duplicate();
  const channel = reopenedChannel(redis);
  subscriber.on('message', (_channel: string, message: string) => flags.reopen(Number(message)));
  // Messages sent while the subscription was down are lost: forget every flag rather than trust them.
  subscriber.on('ready', () => flags.clear());
  subscriber.on('error', () => undefined); // reconnects on its own; the commands of the main connection report outages
  await subscriber.subscribe(channel);
  return () => subscriber.disconnect();
}
