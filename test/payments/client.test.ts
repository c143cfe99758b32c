import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPaymentsClient, PaymentsError } from '../../payments/client';
import { request, startStandIn, type StandIn } from './stand-in';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

let standIn: StandIn;
afterEach(() => standIn?.close());

/** A provider that refuses half of all calls with a transient 503 (seeded, so the same calls fail on every run). */
const flakyProvider = () => startStandIn({ faults: { latencyMs: { min: 0, max: 0 }, failRate: 0.5, loseAnswerRate: 0, seed: 7 } });

async function authorizeThroughFaults(baseUrl: string): Promise<string> {
  for (;;) {
    const answer = await request(baseUrl, 'POST', '/v1/authorizations', {
      key: 'order-1:authorize:1',
      body: { amountCents: 1999, paymentToken: 'tok_visa', reference: 'order-1' },
    });
    if (answer.status === 201) return answer.body.id;
  }
}

describe('the payments client', () => {
  it('asks again at once when the provider refuses a read for a moment, so one 503 does not fail a compensation', async () => {
    standIn = await flakyProvider();
    const authorizationId = await authorizeThroughFaults(standIn.baseUrl);
    const client = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 2_000, readRetryDelaysMs: [0, 0, 0, 0, 0, 0, 0, 0] });
    const failedBefore = (await request(standIn.baseUrl, 'GET', '/v1/faults')).body.injected.failed;

    for (let i = 0; i < 20; i += 1) {
      expect(await client.get(authorizationId)).toMatchObject({ id: authorizationId, status: 'authorized' });
      expect(await client.listByReference('order-1')).toEqual([expect.objectContaining({ id: authorizationId })]);
    }

    // The provider did refuse many of those reads: each was asked again until it answered.
    const refusedReads = (await request(standIn.baseUrl, 'GET', '/v1/faults')).body.injected.failed - failedBefore;
    expect(refusedReads).toBeGreaterThanOrEqual(20);
  });

  it('does not repeat a write: its retry belongs to Temporal, under the same idempotency key', async () => {
    standIn = await flakyProvider();
    const authorizationId = await authorizeThroughFaults(standIn.baseUrl);
    const client = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 2_000, readRetryDelaysMs: [0, 0, 0, 0, 0, 0, 0, 0] });
    const outcomes = [];
    for (let i = 0; i < 12; i += 1) {
      outcomes.push(await client.void(authorizationId, 'order-1:void').then(
        (authorization) => authorization.status,
        (error: PaymentsError) => `${error.kind} ${error.code}`,
      ));
    }
    expect(outcomes).toContain('retryable temporarily_unavailable');
    expect(outcomes).toContain('voided');
  });

  it('gives up on a read after its retries, with the provider\'s own answer', async () => {
    standIn = await startStandIn({ faults: { latencyMs: { min: 0, max: 0 }, failRate: 1, loseAnswerRate: 0 } });
    const client = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: 2_000, readRetryDelaysMs: [0, 0] });
    await expect(client.get('auth_x')).rejects.toMatchObject({ kind: 'retryable', code: 'temporarily_unavailable', status: 503 });
    expect((await request(standIn.baseUrl, 'GET', '/v1/faults')).body.injected.failed).toBe(3);
  });

  describe('over HTTP', () => {
    let server: http.Server | undefined;
    afterEach(() => {
      server?.closeAllConnections();
      server?.close();
    });
    /** A provider of our own making, answering each request with `answer`; counts the connections it is given. */
    async function provider(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
      const seen = { connections: 0 };
      server = http.createServer(answer);
      server.on('connection', () => (seen.connections += 1));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { seen, client: createPaymentsClient({ apiKey: 'sk_test', baseUrl, timeoutMs: 300, readRetryDelaysMs: [] }) };
    }

    it('keeps its connections alive from one call to the next', async () => {
      const { seen, client } = await provider((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 'auth_1', status: 'AUTHORIZED' }));
      });
      // The pool may open a second connection while the first is still being handed back, never one per call.
      for (let call = 0; call < 20; call += 1) await client.capture('auth_1', `key-${call}`);
      expect(seen.connections).toBeGreaterThan(0);
      expect(seen.connections).toBeLessThanOrEqual(2);
    });

    it('times out a body that stops arriving, as an unknown outcome to ask again under the same key', async () => {
      const { client } = await provider((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"id":'); // and nothing more
      });
      await expect(client.capture('auth_1', 'key')).rejects.toMatchObject({ kind: 'retryable', code: 'timeout' });
    });
  });
});
