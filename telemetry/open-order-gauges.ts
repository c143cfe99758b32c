import type { MikroORM } from '@mikro-orm/core';
import { Gauge, type Registry } from 'prom-client';
import { forkSql, select } from '../db/sql';

/**
 * Orders still open (PENDING or RESERVED) as MySQL records them, read when Prometheus scrapes: how many, and how old
 * the oldest is. With the hold every order gets (RESERVATION_TTL, exported too), an alert rule can tell an order
 * that is merely unpaid from one stuck past its hold (its timer or its worker did not run).
 */
export function registerOpenOrderGauges(registry: Registry, deps: { orm: MikroORM; holdMs: number }): void {
  new Gauge({
    name: 'order_hold_seconds',
    help: 'The reservation hold every new order gets (RESERVATION_TTL)',
    registers: [registry],
    // Every API process reads the same stores: with several (API_PROCESSES), the primary shows one value, not the sum.
    aggregator: 'first',
  }).set(deps.holdMs / 1000);

  const read = () =>
    select<{ status: string; orders: number | string; oldest_age_seconds: number | string | null }>(
      forkSql(deps.orm),
      // Uses the (status, created_at) index: two short range reads whatever the table's size.
      `SELECT status, COUNT(*) AS orders, TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP(3)) AS oldest_age_seconds
         FROM orders WHERE status IN ('PENDING', 'RESERVED') GROUP BY status`,
    );
  let snapshot: ReturnType<typeof read> | undefined;
  const shared = () => {
    snapshot ??= read().finally(() => setImmediate(() => (snapshot = undefined)));
    return snapshot;
  };

  new Gauge({
    name: 'orders_open',
    help: 'Orders recorded PENDING or RESERVED in MySQL, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    aggregator: 'first',
    async collect() {
      const rows = await shared();
      this.reset();
      for (const status of ['PENDING', 'RESERVED']) this.set({ status }, Number(rows.find((row) => row.status === status)?.orders ?? 0));
    },
  });
  new Gauge({
    name: 'order_open_oldest_age_seconds',
    help: 'Age of the oldest order still PENDING or RESERVED (0 when none is open)',
    registers: [registry],
    aggregator: 'first',
    async collect() {
      const rows = await shared();
      this.set(Math.max(0, ...rows.map((row) => Number(row.oldest_age_seconds ?? 0))));
    },
  });
}
