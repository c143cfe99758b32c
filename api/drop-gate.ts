import type { WaitingRoom, QueuedDrop } from '../queue/waiting-room';
import type { DropSettingsCache } from './drop-settings';
import { Problem } from './problem';
import type { NewOrder } from './validation';

export interface DropGateDeps {
  drops: DropSettingsCache;
  waitingRoom: WaitingRoom;
}

/**
 * A drop's own rules for an order, checked before the admission gate: no order before the product's `saleStartsAt`
 * (409 SALE_NOT_STARTED), and for a product with a waiting room, the Queue-Ticket of a live admission, which this
 * order uses up (403 QUEUE_ADMISSION_REQUIRED, QUEUE_TICKET_INVALID). The settings come from the process's cache, so
 * a product without a drop costs no MySQL read. Returns what ends the admissions used once the order is answered.
 */
export async function enterDrop(deps: DropGateDeps, order: { customerId: string; items: NewOrder['items'] }, ticket: string | undefined, orderId: string): Promise<() => Promise<void>> {
  const productIds = [...new Set(order.items.map((line) => line.productId))];
  const settings = await Promise.all(productIds.map((productId) => deps.drops.get(productId)));
  const now = Date.now();
  const queued: QueuedDrop[] = [];
  for (const drop of settings) {
    if (!drop) continue; // an unknown product is answered PRODUCT_NOT_FOUND by pricing
    if (drop.saleStartsAt && now < drop.saleStartsAt.getTime()) {
      throw new Problem('SALE_NOT_STARTED', `product ${drop.productId} goes on sale at ${drop.saleStartsAt.toISOString()}`, {
        field: `body.items.${order.items.findIndex((line) => line.productId === drop.productId)}.productId`,
        productId: drop.productId,
        saleStartsAt: drop.saleStartsAt.toISOString(),
      });
    }
    if (drop.queue && drop.drawSeed) queued.push(drop as QueuedDrop);
  }
  if (queued.length === 0) return async () => undefined;
  // One ticket admits one buyer to one drop: an order can take units of one queued product only.
  if (ticket === undefined || queued.length > 1) {
    const drop = ticket === undefined ? queued[0] : queued[1];
    throw new Problem('QUEUE_ADMISSION_REQUIRED', `product ${drop.productId} is sold through its waiting room: send the Queue-Ticket of your admission (one queued product an order)`, {
      field: 'header.Queue-Ticket',
      productId: drop.productId,
    });
  }
  const [drop] = queued;
  await deps.waitingRoom.use(drop, order.customerId, ticket, orderId);
  return () => deps.waitingRoom.endUse(drop.productId, order.customerId, orderId);
}
