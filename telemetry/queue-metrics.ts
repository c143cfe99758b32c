import { Gauge, type Registry } from 'prom-client';
import type { WaitingRoom } from '../queue/waiting-room';

/** Drops followed at once; bounded whatever happens (a drop is a handful of products). */
const MAX_DROPS = 100;

/**
 * The waiting rooms' figures per drop, read from Redis when scraped (every replica shows the same, the drop's own):
 * waiting buyers, buyers holding an admission, the admission rate over the last minute, admissions and lapsed
 * admissions in all. A drop is followed once this process has answered a request of its waiting room.
 */
export function queueMetrics(registry: Registry) {
  const rooms = new Map<number, WaitingRoom>();
  const stats = () => Promise.all([...rooms].map(async ([productId, room]) => ({ productId: String(productId), ...(await room.stats(productId)) })));
  const gauge = (name: string, help: string, pick: (figures: Awaited<ReturnType<WaitingRoom['stats']>>) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['product'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const figures of await stats()) this.set({ product: figures.productId }, pick(figures));
      },
    });
  gauge('drop_queue_waiting', 'Buyers waiting in the drop’s line', (figures) => figures.waiting);
  gauge('drop_queue_admitted', 'Buyers holding an admission not yet ended (unused, or used by an order not yet answered)', (figures) => figures.admitted);
  gauge('drop_queue_admission_rate', 'Admissions a second over the last minute', (figures) => figures.admittedLastMinute / 60);
  gauge('drop_queue_admissions', 'Admissions given in the drop so far', (figures) => figures.admittedTotal);
  gauge('drop_queue_lapsed_admissions', 'Admissions that lapsed unused (ADMISSION_TTL) so far', (figures) => figures.lapsedTotal);
  return {
    queueVisited(productId: number, room: WaitingRoom): void {
      if (rooms.has(productId) || rooms.size >= MAX_DROPS) return;
      rooms.set(productId, room);
    },
  };
}
