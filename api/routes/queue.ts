import { Router } from 'express';
import { ProductNotFoundError } from '../../db/catalogue';
import type { QueuedDrop, WaitingRoom } from '../../queue/waiting-room';
import { callerOf } from '../auth/middleware';
import type { DropSettingsCache } from '../drop-settings';
import { Problem } from '../problem';
import { queueTicketOf } from '../queue-ticket';
import { parse, productIdSchema } from '../validation';
import type { Request, Response } from 'express';

export interface QueueRouterDeps {
  drops: DropSettingsCache;
  waitingRoom: WaitingRoom;
  /** Called with each product whose waiting room is visited, for its metrics. */
  onVisit?: (productId: number) => void;
}

/**
 * A drop's waiting room (issue 26), under /products/:id/queue: join (201), poll, leave (204). The ticket travels in
 * the Queue-Ticket header both ways, never in a URL (it would land in access logs); answers are never cached.
 */
export function queueRouter({ drops, waitingRoom, onVisit }: QueueRouterDeps): Router {
  const router = Router();

  async function queuedDrop(req: Request, res: Response): Promise<QueuedDrop> {
    const productId = parse(productIdSchema, req.params.id, 'path', 'id');
    const drop = await drops.get(productId);
    if (!drop) throw new ProductNotFoundError(productId);
    if (!drop.queue || !drop.drawSeed) throw new Problem('QUEUE_NOT_FOUND', `product ${productId} has no waiting room`, { field: 'path.id' });
    res.set('Cache-Control', 'no-store');
    onVisit?.(productId);
    return drop as QueuedDrop;
  }

  function requiredTicket(req: Request): string {
    const ticket = queueTicketOf(req);
    if (ticket === undefined) {
      throw new Problem('VALIDATION_FAILED', 'header Queue-Ticket is required: the ticket POST /products/{id}/queue answered', {
        field: 'header.Queue-Ticket',
        errors: [{ field: 'header.Queue-Ticket', reason: 'required' }],
      });
    }
    return ticket;
  }

  router.post('/:id/queue', async (req, res) => {
    const drop = await queuedDrop(req, res);
    const answer = await waitingRoom.join(drop, callerOf(res).sub);
    res.status(201).set('Queue-Ticket', answer.ticket).json(answer);
  });

  router.get('/:id/queue', async (req, res) => {
    const drop = await queuedDrop(req, res);
    const answer = await waitingRoom.poll(drop, callerOf(res).sub, requiredTicket(req));
    res.set('Queue-Ticket', answer.ticket).json(answer);
  });

  router.delete('/:id/queue', async (req, res) => {
    const drop = await queuedDrop(req, res);
    await waitingRoom.leave(drop, callerOf(res).sub, requiredTicket(req));
    res.status(204).end();
  });

  return router;
}
