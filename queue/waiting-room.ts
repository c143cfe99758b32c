import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/queue';
import { admissionsOf, hasOpenHold, markQueueOpened, recordAdmissionLeft, recordAdmissions, recordAdmissionUsed, type DropSettings } from '../db/drops';
import { decodeEta, encodeEta, estimateWait, type EtaReason } from './eta';
import { queueKeys, scriptKeys } from './keys';
import { END_USE_SCRIPT, LATCH_SOLD_OUT_SCRIPT, LEAVE_SCRIPT, REBUILD_SCRIPT, REMEMBER_ETA_SCRIPT, STATS_SCRIPT, USE_SCRIPT, VISIT_SCRIPT } from './scripts';
import { signTicket, verifyTicket, type TicketClaims } from './tickets';

/** A drop with a waiting room: its settings as the cache holds them (api/drop-settings.ts). */
export type QueuedDrop = DropSettings & { queue: NonNullable<DropSettings['queue']>; drawSeed: string };

export type QueueAnswer =
  | { ticket: string; state: 'WAITING'; position: number | null; estimatedWait: { minSeconds: number; maxSeconds: number | null }; pollAfterSeconds: number; reason?: EtaReason }
  | { ticket: string; state: 'ADMITTED'; admittedUntil: string }
  | { ticket: string; state: 'SOLD_OUT' }
  | { ticket: string; state: 'EXPIRED'; reason: 'ADMISSION_USED' | 'ADMISSION_LAPSED' | 'LEFT' };

/** An admission used by an order: ended (no longer counted among the admitted) once the order is answered. */
export interface UsedAdmission {
  place: string;
  admittedUntil: number;
}

export class AdmissionRefusedError extends Error {
  constructor(readonly productId: number, readonly state: 'WAITING' | 'USED' | 'LAPSED' | 'LEFT') {
    super(
      state === 'WAITING'
        ? `product ${productId} is sold through its waiting room: wait for your admission (GET /products/${productId}/queue) and send its Queue-Ticket`
        : `the admission of this Queue-Ticket for product ${productId} is ${state === 'USED' ? 'used already' : state === 'LAPSED' ? 'lapsed' : 'given up'}`,
    );
    this.name = 'AdmissionRefusedError';
  }
}

type VisitReply = [string, string, number, string, string, number, number, string, number, number, number];

type QueueRedis = Redis & {
  queueVisit(...keysAndArgs: (string | number)[]): Promise<VisitReply | ['REBUILD']>;
  queueRememberEta(...keysAndArgs: (string | number)[]): Promise<number>;
  queueLeave(...keysAndArgs: (string | number)[]): Promise<[string, number | string]>;
  queueUse(...keysAndArgs: (string | number)[]): Promise<[string, string?, string?]>;
  queueEndUse(...keysAndArgs: (string | number)[]): Promise<number>;
  queueLatchSoldOut(...keysAndArgs: (string | number)[]): Promise<number>;
  queueRebuild(...keysAndArgs: (string | number)[]): Promise<number>;
  queueStats(...keysAndArgs: (string | number)[]): Promise<number[]>;
};

/** The measured admission rate looks back this far. */
const RATE_WINDOW_MS = 60_000;
/** How often one process asks MySQL whether a drop with no unit left still has an open hold. */
const OPEN_HOLD_CHECK_MS = 250;

/**
 * A drop's waiting room (issue 26): one ticket per buyer per drop, the lottery before the start and first come after
 * it, admissions bounded by the units that could still be sold and by admitPerSecond, lapsing after ADMISSION_TTL.
 * The line lives in Redis (queue/scripts.ts); MySQL keeps the seed of the draw and every admission, which is what a
 * rebuild after Redis lost its data needs (docs/DESIGN.md, I9).
 */
export class WaitingRoom {
  private readonly redis: QueueRedis;
  /** When this process last found an open hold of a product with no unit left. */
  private readonly openHoldSeen = new Map<number, number>();

  constructor(
    redis: Redis,
    private readonly orm: MikroORM,
    readonly config: QueueConfig,
    /** Rebuilds a product's availability Redis lost (inventory/availability-sync.ts): admission waits for it. */
    private readonly loadAvailability: (productId: number) => Promise<unknown> = async () => undefined,
    private readonly clock: () => number = Date.now,
  ) {
    const keys = scriptKeys(queueKeys(0)).length;
    redis.defineCommand('queueVisit', { lua: VISIT_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueRememberEta', { lua: REMEMBER_ETA_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueLeave', { lua: LEAVE_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueUse', { lua: USE_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueEndUse', { lua: END_USE_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueLatchSoldOut', { lua: LATCH_SOLD_OUT_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueRebuild', { lua: REBUILD_SCRIPT, numberOfKeys: keys });
    redis.defineCommand('queueStats', { lua: STATS_SCRIPT, numberOfKeys: keys });
    this.redis = redis as QueueRedis;
  }

  /** POST /products/:id/queue: a place in line (the same one when the buyer joined before). */
  join(drop: QueuedDrop, sub: string): Promise<QueueAnswer> {
    return this.visit(drop, sub, 'join', '');
  }

  /** GET /products/:id/queue: where the ticket's buyer stands now. */
  poll(drop: QueuedDrop, sub: string, ticket: string): Promise<QueueAnswer> {
    return this.visit(drop, sub, 'poll', this.verify(drop, sub, ticket).place);
  }

  /** DELETE /products/:id/queue: frees the buyer's place (or unused admission) for the next buyer. */
  async leave(drop: QueuedDrop, sub: string, ticket: string): Promise<void> {
    const { place } = this.verify(drop, sub, ticket);
    const [outcome, wasAdmitted] = await this.withDrop(drop, () => this.redis.queueLeave(...scriptKeys(queueKeys(drop.productId)), sub, place));
    if (outcome === 'LEFT' && wasAdmitted === 1) await recordAdmissionLeft(this.orm, drop.productId, sub);
  }

  /**
   * Uses the ticket's admission for the order `orderId`: once only, and recorded in MySQL before the order is placed,
   * so that neither a second order nor a Redis flush can use it again. Throws AdmissionRefusedError.
   */
  async use(drop: QueuedDrop, sub: string, ticket: string, orderId: string): Promise<UsedAdmission> {
    this.verify(drop, sub, ticket);
    const [outcome, placeOrCode, until] = await this.withDrop(drop, () => this.redis.queueUse(...scriptKeys(queueKeys(drop.productId)), this.clock(), sub, orderId));
    if (outcome !== 'USED') throw new AdmissionRefusedError(drop.productId, ({ U: 'USED', E: 'LAPSED', L: 'LEFT' } as const)[placeOrCode as 'U' | 'E' | 'L'] ?? 'WAITING');
    const admission = { place: placeOrCode!, admittedUntil: Number(until) };
    await recordAdmissionUsed(this.orm, drop.productId, sub, admission.place, admission.admittedUntil, orderId);
    return admission;
  }

  /** The order that used the buyer's admission is answered: the buyer no longer counts among the admitted. */
  async endUse(productId: number, sub: string, orderId: string): Promise<void> {
    await this.redis.queueEndUse(...scriptKeys(queueKeys(productId)), sub, orderId);
  }

  /** Waiting, admitted now, admitted in all, lapsed in all, and admitted in the last minute. */
  async stats(productId: number): Promise<{ waiting: number; admitted: number; admittedTotal: number; lapsedTotal: number; admittedLastMinute: number }> {
    const [waiting, admitted, admittedTotal, lapsedTotal, admittedLastMinute] = await this.redis.queueStats(...scriptKeys(queueKeys(productId)), this.clock());
    return { waiting, admitted, admittedTotal, lapsedTotal, admittedLastMinute };
  }

  verify(drop: QueuedDrop, sub: string, ticket: string): TicketClaims {
    return verifyTicket(this.config.keys, ticket, { productId: drop.productId, sub, now: this.clock() });
  }

  private async visit(drop: QueuedDrop, sub: string, mode: 'join' | 'poll', ticketPlace: string): Promise<QueueAnswer> {
    const keys = queueKeys(drop.productId);
    const startsAt = drop.saleStartsAt?.getTime() ?? 0;
    const now = this.clock();
    const reply = await this.withDrop(drop, () =>
      this.redis.queueVisit(
        ...scriptKeys(keys),
        now,
        sub,
        mode,
        ticketPlace,
        drop.drawSeed,
        startsAt,
        drop.queue.admitPerSecond,
        drop.queue.maxAdmitted,
        this.config.admissionFactor,
        this.config.admissionTtlMs,
        RATE_WINDOW_MS,
      ),
    );
    const [state, place, position, until, givenJson, admittedInWindow, admittedTotal, lastEta, soldOutCandidate, waitingCount, availabilityLoaded] = reply;
    await this.recordGiven(drop.productId, now, JSON.parse(givenJson) as string[]);
    if (availabilityLoaded === 0) await this.loadAvailability(drop.productId);
    const ticket = signTicket(this.config.keys, { productId: drop.productId, sub, place, expiresAt: (place === 'lottery' ? startsAt : startsAt + Number(place) - 1) + this.config.ticketTtlMs });
    if (soldOutCandidate === 1 && (await this.latchSoldOut(drop.productId)) && state === 'WAITING') return { ticket, state: 'SOLD_OUT' };
    switch (state) {
      case 'ADMITTED':
        return { ticket, state, admittedUntil: new Date(Number(until)).toISOString() };
      case 'SOLD_OUT':
        return { ticket, state };
      case 'USED':
        return { ticket, state: 'EXPIRED', reason: 'ADMISSION_USED' };
      case 'LAPSED':
        return { ticket, state: 'EXPIRED', reason: 'ADMISSION_LAPSED' };
      case 'LEFT':
        return { ticket, state: 'EXPIRED', reason: 'LEFT' };
    }
    const eta = estimateWait({
      now,
      startsAt,
      position,
      waitingCount,
      admitPerSecond: drop.queue.admitPerSecond,
      admittedInWindow,
      admittedTotal,
      windowMs: RATE_WINDOW_MS,
      last: decodeEta(lastEta),
    });
    if (now >= startsAt) await this.redis.queueRememberEta(...scriptKeys(keys), sub, encodeEta(eta));
    const pollAfterSeconds = now < startsAt ? Math.min(Math.ceil((startsAt - now) / 1000), this.config.pollMaxSeconds) : Math.min(Math.max(1, Math.ceil(eta.estimatedWait.minSeconds / 3)), this.config.pollMaxSeconds);
    return {
      ticket,
      state: 'WAITING',
      position: now < startsAt ? null : position,
      estimatedWait: eta.estimatedWait,
      pollAfterSeconds: Math.max(1, pollAfterSeconds),
      ...(eta.reason ? { reason: eta.reason } : {}),
    };
  }

  /** Runs a script; when Redis has lost the drop (or never held it), rebuilds it from MySQL and runs it again. */
  private async withDrop<T>(drop: QueuedDrop, script: () => Promise<T | ['REBUILD']>): Promise<T> {
    const first = await script();
    if (!isRebuild(first)) return first;
    await this.rebuild(drop);
    const again = await script();
    if (isRebuild(again)) throw new Error(`the waiting room of product ${drop.productId} was lost again while it was rebuilt`);
    return again;
  }

  /**
   * Puts a drop back in Redis from MySQL: its admissions (live, used, lapsed). The waiting line comes back as its
   * buyers poll with their signed tickets; when the drop had been opened before (Redis lost it), nobody is admitted for
   * two poll intervals, so that every buyer still polling is back in line before anyone behind them is admitted.
   */
  private async rebuild(drop: QueuedDrop): Promise<void> {
    const now = this.clock();
    const openedBefore = await markQueueOpened(this.orm, drop.productId);
    const admissions = await admissionsOf(this.orm, drop.productId);
    const startsAt = drop.saleStartsAt?.getTime() ?? 0;
    const regatherUntil = openedBefore && now >= startsAt ? now + 2 * this.config.pollMaxSeconds * 1000 : 0;
    await this.redis.queueRebuild(
      ...scriptKeys(queueKeys(drop.productId)),
      now,
      regatherUntil,
      ...admissions.flatMap((admission) => [admission.customerId, admission.place, admission.admittedUntil, admission.usedBy ?? '']),
    );
  }

  private async recordGiven(productId: number, now: number, given: string[]): Promise<void> {
    const admissions = [];
    for (let index = 0; index < given.length; index += 3) {
      admissions.push({ customerId: given[index], place: given[index + 1], admittedAt: now, admittedUntil: Number(given[index + 2]) });
    }
    await recordAdmissions(this.orm, productId, admissions);
  }

  /**
   * No unit is available and nobody admitted: the drop is sold out if no order holds units that could come back.
   * MySQL is asked at most every OPEN_HOLD_CHECK_MS by this process for a product.
   */
  private async latchSoldOut(productId: number): Promise<boolean> {
    const now = this.clock();
    // Only "a hold is open" is remembered: "none is" latches at once, and latched drops are not asked about again.
    const openSince = this.openHoldSeen.get(productId);
    if (openSince !== undefined && now - openSince < OPEN_HOLD_CHECK_MS) return false;
    if (await hasOpenHold(this.orm, productId)) {
      this.openHoldSeen.set(productId, now);
      return false;
    }
    this.openHoldSeen.delete(productId);
    return (await this.redis.queueLatchSoldOut(...scriptKeys(queueKeys(productId)))) === 1;
  }
}

const isRebuild = (reply: unknown): reply is ['REBUILD'] => Array.isArray(reply) && reply.length === 1 && reply[0] === 'REBUILD';
