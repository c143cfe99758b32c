/**
 * Finding 3 of the hostile probe: Node does not call `lookup` for an IP literal, so a guard living in the DNS lookup
 * never ran for `http://127.0.0.1:…`, and an endpoint registered by an API whose WEBHOOK_ALLOWED_HOSTS allowed it was
 * delivered to by a worker whose list did not. Here the endpoints are written straight to MySQL (as a registering
 * process with a wider allow-list would), and the delivering worker, whose list names only `localhost`, must refuse
 * every one before connecting: a real listener on 127.0.0.1 counts connections and must see none.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ENDPOINT_NOT_ALLOWED, ENDPOINT_UNREACHABLE } from '../../activities/webhook-delivery';
import { forkSql, run } from '../../db/sql';
import { newEndpointId, newSigningSecret } from '../../webhooks/secrets';
import { createEndpoint } from '../../webhooks/store';
import { eventually, unique } from '../api/http';
import { ADMIN } from '../support/auth';
import { serviceForThisFile } from '../api/service-per-file';
import { activityFailed, expectTemporalWarnings } from '../support/temporal-warnings';

const FAST_RETRIES = { attemptTimeoutMs: 4_000, initialIntervalMs: 200, maximumIntervalMs: 1_000, giveUpAfterMs: 60_000 };

const stack = serviceForThisFile({ holdMs: 60_000, webhooks: { allowedHosts: new Set(['localhost']), policy: FAST_RETRIES } });
let listener: Server;
let connections = 0;

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  await run(forkSql(stack.service.orm), 'UPDATE webhook_endpoint SET deleted_at = CURRENT_TIMESTAMP(3) WHERE deleted_at IS NULL');
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => listener?.close(() => resolve()));
}, 60_000);

test('deliveries to loopback by IP literal, IPv4-mapped or NAT64 address are refused before connecting; a refused connection is "endpoint unreachable"', async () => {
  const { port } = listener.address() as AddressInfo;
  expectTemporalWarnings(activityFailed('deliverWebhook', ENDPOINT_NOT_ALLOWED), activityFailed('deliverWebhook', ENDPOINT_UNREACHABLE));
  const urls = [`http://127.0.0.1:${port}/hooks`, `http://[::ffff:7f00:1]:${port}/hooks`, `http://[64:ff9b::7f00:1]:${port}/hooks`];
  const refused = await Promise.all(urls.map((url) => createEndpoint(stack.service.orm, { id: newEndpointId(), url, events: ['order.reserved'], secret: newSigningSecret() })));
  // Allowed by name in the worker's list, but nothing listens there: what the log says must not tell refused from timed out.
  const unreachable = await createEndpoint(stack.service.orm, {
    id: newEndpointId(),
    url: `http://localhost:${await closedPort()}/hooks`,
    events: ['order.reserved'],
    secret: newSigningSecret(),
  });

  const product = await stack.api.post('/products', { sku: unique('ssrf'), name: 'SSRF probe', priceCents: 100, stock: 5 });
  expect((await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId: product.body.id, quantity: 1 }] })).status).toBe(201);

  const firstErrorOf = (endpointId: string) =>
    eventually(async () => {
      const log = await stack.api.get(`/webhooks/${endpointId}/deliveries`, { as: ADMIN });
      const error = log.body.data[0]?.attempts[0]?.error;
      expect(error).toEqual(expect.any(String));
      return error;
    }, 30_000);
  expect(await Promise.all(refused.map((endpoint) => firstErrorOf(endpoint.id)))).toEqual([ENDPOINT_NOT_ALLOWED, ENDPOINT_NOT_ALLOWED, ENDPOINT_NOT_ALLOWED]);
  expect(await firstErrorOf(unreachable.id)).toBe(ENDPOINT_UNREACHABLE);
  expect(connections).toBe(0);
}, 60_000);
