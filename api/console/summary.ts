import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { OUTCOMES, readCartFigures, readNewestCoupons, readSalesFigures, readSoldOutTimes, type ConsoleCoupon, type Outcome, type SalesFigures } from '../../db/console-queries';
import { listNewestProducts } from '../../db/catalogue';
import type { Inventory } from '../../inventory/inventory';
import type { ProductResponse } from '../openapi/response-schemas';
import type { WaitingRoom } from '../../queue/waiting-room';
import { latestInvariantCheck, type InvariantCheckReport } from './invariant-check';
import { countSagasInFlight, type SagasInFlight } from './sagas-in-flight';

/** The per-second timeline covers the last minute; "now" rates average its last RATE_SECONDS. */
export const TIMELINE_SECONDS = 60;
export const RATE_SECONDS = 10;
const TOP_PRODUCTS = 5;
/** The console lists at most this many products, newest first (a demo or a drop has a handful). */
const MAX_PRODUCTS = 200;
/** The console lists the newest coupons, at most this many. */
const MAX_COUPONS = 20;

export interface SummaryDeps {
  orm: MikroORM;
  redis: Redis;
  inventory: Inventory;
  temporal: Client;
  taskQueue: string;
  /** The drops' waiting rooms: their figures are those of the drop_queue_* metrics (WaitingRoom.stats). */
  waitingRoom?: Pick<WaitingRoom, 'stats'>;
}

/** A product as GET /products/:id answers it, and when it sold out. */
export interface ConsoleProduct extends ProductResponse {
  /** When the last unit was sold (stock reached 0); null while units remain. */
  soldOutAt: string | null;
}

export interface ConsoleSummary {
  generatedAt: string;
  window: { seconds: number; since: string };
  /** Orders per second over the last RATE_SECONDS: placed, and reaching each outcome. */
  rates: { seconds: number; placed: number; outcomes: Record<Outcome, number> };
  timeline: SalesFigures['timeline'];
  orders: { placed: number; outcomes: Record<Outcome, number>; open: SalesFigures['open'] };
  revenue: SalesFigures['revenue'];
  topProducts: SalesFigures['topProducts'];
  compensations: SalesFigures['compensations'];
  /** Carts made and checked out (into an order not refused) over the window. */
  carts: { created: number; checkedOut: number };
  sagasInFlight: SagasInFlight;
  products: ConsoleProduct[];
  /** The newest coupons: issued, redeemed and remaining of each. */
  coupons: ConsoleCoupon[];
  /** Each listed product with a waiting room: its line, admissions and their rate (the drop_queue_* metrics' figures). */
  queues: ConsoleQueue[];
  invariantCheck: InvariantCheckReport | null;
}

/** A drop's waiting room as the console shows it. */
export interface ConsoleQueue {
  productId: number;
  sku: string;
  name: string;
  waiting: number;
  /** Buyers holding an admission not yet ended (unused, or used by an order not yet answered). */
  admitted: number;
  /** Admissions a second over the last minute. */
  admissionRate: number;
  admissionsTotal: number;
  lapsedAdmissions: number;
}

const perSecond = (series: number[]) => Math.round((series.slice(-RATE_SECONDS).reduce((sum, n) => sum + n, 0) / RATE_SECONDS) * 10) / 10;

/** One console frame: MySQL's figures for the window, Redis availability, Temporal's sagas in flight, the latest check. */
export async function buildSummary(deps: SummaryDeps, windowSeconds: number, now = new Date()): Promise<ConsoleSummary> {
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const [figures, products, sagasInFlight, invariantCheck, carts, coupons] = await Promise.all([
    readSalesFigures(deps.orm, { since, timelineSince: new Date(now.getTime() - TIMELINE_SECONDS * 1000), now, topProducts: TOP_PRODUCTS }),
    readProducts(deps),
    countSagasInFlight(deps.temporal, deps.taskQueue),
    latestInvariantCheck(deps.redis),
    readCartFigures(deps.orm, since),
    readNewestCoupons(deps.orm, MAX_COUPONS),
  ]);
  const queues = await readQueues(deps, products);
  return {
    generatedAt: now.toISOString(),
    window: { seconds: windowSeconds, since: since.toISOString() },
    rates: {
      seconds: RATE_SECONDS,
      placed: perSecond(figures.timeline.placed),
      outcomes: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, perSecond(figures.timeline.outcomes[outcome])])) as Record<Outcome, number>,
    },
    timeline: figures.timeline,
    orders: { placed: figures.placed, outcomes: figures.outcomes, open: figures.open },
    revenue: figures.revenue,
    topProducts: figures.topProducts,
    compensations: figures.compensations,
    carts,
    sagasInFlight,
    products,
    coupons,
    queues,
    invariantCheck,
  };
}

async function readProducts({ orm, inventory }: SummaryDeps): Promise<ConsoleProduct[]> {
  const products = await listNewestProducts(orm, MAX_PRODUCTS);
  const available = await inventory.availableMany(products.map((product) => product.id));
  const soldOut = await readSoldOutTimes(
    orm,
    products.filter((product) => product.stock === 0).map((product) => product.id),
  );
  return products.map((product, index) => ({
    id: product.id,
    sku: product.sku,
    name: product.name,
    priceCents: product.priceCents,
    stock: product.stock,
    available: available[index],
    saleStartsAt: product.saleStartsAt?.toISOString() ?? null,
    queue: product.queue,
    soldOutAt: soldOut.get(product.id)?.toISOString() ?? null,
  }));
}

async function readQueues({ waitingRoom }: SummaryDeps, products: ConsoleProduct[]): Promise<ConsoleQueue[]> {
  if (!waitingRoom) return [];
  return Promise.all(
    products
      .filter((product) => product.queue)
      .map(async ({ id, sku, name }) => {
        const stats = await waitingRoom.stats(id);
        return {
          productId: id,
          sku,
          name,
          waiting: stats.waiting,
          admitted: stats.admitted,
          admissionRate: Math.round((stats.admittedLastMinute / 60) * 100) / 100,
          admissionsTotal: stats.admittedTotal,
          lapsedAdmissions: stats.lapsedTotal,
        };
      }),
  );
}
