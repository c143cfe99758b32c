import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import { newEndpointId, newSigningSecret } from '../../webhooks/secrets';
import { createEndpoint, deleteEndpoint, deliveryLog, findEndpoint, listEndpoints, rotateSecret } from '../../webhooks/store';
import { assertPublicWebhookUrl } from '../../webhooks/url-guard';
import { Problem } from '../problem';
import { decodeCursor, toPage } from '../pagination';
import { deliveryListQuerySchema, newestFirstCursorSchema, newWebhookSchema, parse, webhookIdSchema } from '../validation';

export interface WebhooksRouterDeps {
  orm: MikroORM;
  /** WEBHOOK_ALLOWED_HOSTS: hosts allowed although they resolve to private, loopback or link-local addresses. */
  allowedHosts: ReadonlySet<string>;
}

/** After a rotation the old secret also signs for this long, so receivers can switch without a gap. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;

/** Staff (admin) register the endpoints that receive signed order events; see webhooks/. */
export function webhooksRouter({ orm, allowedHosts }: WebhooksRouterDeps): Router {
  const router = Router();
  const notFound = (id: string) => new Problem('WEBHOOK_NOT_FOUND', `webhook endpoint ${id} does not exist`, { field: 'path.id' });

  router.post('/', async (req, res) => {
    const { url, events } = parse(newWebhookSchema, req.body, 'body');
    await assertPublicWebhookUrl(new URL(url), allowedHosts); // a private target: 400 VALIDATION_FAILED (api/errors.ts)
    const secret = newSigningSecret();
    const endpoint = await createEndpoint(orm, { id: newEndpointId(), url, events, secret });
    // The secret is shown once, here (and on rotation): the list never shows it.
    res.status(201).location(`/webhooks/${endpoint.id}`).json({ ...endpoint, secret });
  });

  router.get('/', async (_req, res) => {
    res.json({ data: await listEndpoints(orm) });
  });

  // The Location a registration answers with.
  router.get('/:id', async (req, res) => {
    const id = parse(webhookIdSchema, req.params.id, 'path', 'id');
    const endpoint = await findEndpoint(orm, id);
    if (!endpoint) throw notFound(id);
    res.json(endpoint);
  });

  router.delete('/:id', async (req, res) => {
    const id = parse(webhookIdSchema, req.params.id, 'path', 'id');
    if (!(await deleteEndpoint(orm, id))) throw notFound(id);
    res.status(204).end();
  });

  router.post('/:id/rotate-secret', async (req, res) => {
    const id = parse(webhookIdSchema, req.params.id, 'path', 'id');
    const secret = newSigningSecret();
    const previousSecretValidUntil = new Date(Date.now() + ROTATION_GRACE_MS);
    if (!(await rotateSecret(orm, id, secret, previousSecretValidUntil))) throw notFound(id);
    res.json({ id, secret, previousSecretValidUntil: previousSecretValidUntil.toISOString() });
  });

  /** The endpoint's delivery log, newest first, a page at a time: `nextCursor` asks for the next page, null on the last. */
  router.get('/:id/deliveries', async (req, res) => {
    const id = parse(webhookIdSchema, req.params.id, 'path', 'id');
    const { limit, cursor } = parse(deliveryListQuerySchema, req.query, 'query');
    const after = cursor === undefined ? undefined : decodeCursor(newestFirstCursorSchema, cursor);
    if (!(await findEndpoint(orm, id))) throw notFound(id);
    const rows = await deliveryLog(orm, id, limit + 1, after && { createdAt: after.createdAt, eventId: after.id });
    res.json(toPage(rows, limit, (entry) => entry, (entry) => ({ createdAt: entry.createdAt, id: entry.eventId })));
  });

  return router;
}
