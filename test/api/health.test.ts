/** GET /healthz and /readyz, and routes that do not exist. *
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
    expect(answer.body).toEqual({ status: 'ready', checks: { mysql: 'ok', redis: 'ok', temporal: 'ok' } });
  });

  test('an unknown route answers a 404 problem', async () => {
    expectProblem(await fixture.api.get('/no-such-route'), 404, 'ROUTE_NOT_FOUND');
  });
});
