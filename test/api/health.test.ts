/** GET /healthz and /readyz, and routes that do not exist.
 *
 * End to end (see test/support/service.ts): the Express app, a worker with the real activities on the real Temporal
 * dev server, MariaDB, Redis and the payments stand-in. Every product and customer here is new, so the tests hold
 * whatever else is in the shared database.
 */
import { useService } from './fixtures';
import { expectProblem } from './http';

const HOLD_MS = 60_000;

const fixture = useService({ holdMs: HOLD_MS });

describe('health', () => {
  test('GET /healthz answers 200 while the process runs', async () => {
    const answer = await fixture.api.get('/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  test('GET /readyz answers 200 with every dependency checked ok', async () => {
    const answer = await fixture.api.get('/readyz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ready', checks: { mysql: 'ok', redis: 'ok', temporal: 'ok', worker: 'ok' } });
  });

  test('an unknown route answers a 404 problem', async () => {
    expectProblem(await fixture.api.get('/no-such-route'), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('methods and media types', () => {
  test.each([
    ['DELETE', '/products', 'GET, POST, HEAD'],
    ['PUT', '/products/1', 'GET, HEAD'],
    ['GET', '/products/1/restock', 'POST'],
    ['PATCH', '/orders', 'POST, GET, HEAD'],
    ['DELETE', '/orders/ord_x1', 'GET, HEAD'],
    ['GET', '/orders/ord_x1/cancel', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('%s %s answers 405 METHOD_NOT_ALLOWED with Allow: %s', async (method, path, allow) => {
    const answer = await fixture.api.call(method, path);
    expectProblem(answer, 405, 'METHOD_NOT_ALLOWED');
    expect(answer.headers.get('allow')).toBe(allow);
  });

  test('OPTIONS on a known path answers with Allow', async () => {
    const answer = await fixture.api.call('OPTIONS', '/orders/ord_x1/payment');
    expect(answer.status).toBeLessThan(300);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'a body sent as %s answers 415 UNSUPPORTED_MEDIA_TYPE, not a missing-body 400',
    async (contentType) => {
      const answer = await fixture.api.call('POST', '/orders', { raw: '{"items":[{"productId":1,"quantity":1}]}', headers: { 'content-type': contentType } });
      expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(answer.body.field).toBe('header.Content-Type');
    },
  );
});
