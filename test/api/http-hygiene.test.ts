/**
 * HTTP hygiene: a request id on every answer and log line, security headers, CORS for configured origins only,
 * readiness detail for staff only, failure detail for staff only.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { requestIdMixin } from '../../api/http-hygiene';
import { ADMIN, buyer, OPERATOR, TEST_AUTH_SECRET } from '../support/auth';
import { serveAppOn, type ServedApp } from '../support/app-on-service';
import { call, unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000 });
let shop: ServedApp | undefined;
let shopUrl: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  // A second app on the same service, configured as a shop would: one CORS origin, a logger we can read.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  shop = await serveAppOn(stack.service, {
    logger: pino({ level: 'info', mixin: requestIdMixin }, sink),
    metrics: null,
    auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET },
    http: { CORS_ORIGINS: ['https://shop.example'] },
  });
  shopUrl = shop.url;
}, 120_000);

afterAll(async () => {
  await shop?.close();
}, 60_000);

describe('request ids', () => {
  test('every answer carries X-Request-Id: successes, refusals, unknown routes', async () => {
    const answers = await Promise.all([
      stack.api.get('/healthz'),
      stack.api.get('/orders', { as: 'anonymous' }),
      stack.api.get('/no-such-route'),
      stack.api.post('/products', { sku: unique('hyg'), name: 'Hygiene', priceCents: 1, stock: 1 }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 404, 201]);
    const ids = answers.map((answer) => answer.headers.get('x-request-id'));
    expect(ids.every((id) => typeof id === 'string' && id.length >= 8)).toBe(true);
    expect(new Set(ids).size).toBe(4);
  });

  test("a caller's own X-Request-Id is kept; a malformed one is replaced", async () => {
    expect((await stack.api.get('/healthz', { headers: { 'x-request-id': 'shop-req-12345' } })).headers.get('x-request-id')).toBe('shop-req-12345');
    expect((await stack.api.get('/healthz', { headers: { 'x-request-id': 'bad id <script>' } })).headers.get('x-request-id')).not.toBe('bad id <script>');
  });

  test("the request's log lines carry its id", async () => {
    const answer = await call(shopUrl, 'GET', '/products', { as: buyer('cus-log') });
    const id = answer.headers.get('x-request-id');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = logLines.filter((line) => line.requestId === id);
    expect(lines.length).toBeGreaterThan(0);
  });
});

describe('security headers and CORS', () => {
  test('helmet headers are on every answer', async () => {
    const answer = await stack.api.get('/products');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(answer.headers.get('strict-transport-security')).toContain('max-age=');
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  test('a configured origin may call from a browser (preflight allows the bearer and Idempotency-Key headers)', async () => {
    const preflight = await call(shopUrl, 'OPTIONS', '/orders', {
      as: 'anonymous',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const read = await call(shopUrl, 'GET', '/products', { as: buyer('cus-cors'), headers: { origin: 'https://shop.example' } });
    expect(read.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  test('any other origin gets no CORS grant (and none at all by default)', async () => {
    const other = await call(shopUrl, 'GET', '/products', { as: buyer('cus-cors'), headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const byDefault = await stack.api.get('/products', { headers: { origin: 'https://shop.example' } });
    expect(byDefault.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('internal detail for staff only', () => {
  test('/readyz tells anyone the status, and staff which dependency answered how', async () => {
    expect((await stack.api.get('/readyz', { as: 'anonymous' })).body).toEqual({ status: 'ready' });
    expect((await stack.api.get('/readyz', { as: buyer('cus-ready') })).body).toEqual({ status: 'ready' });
    expect((await stack.api.get('/readyz', { as: OPERATOR })).body).toEqual({ status: 'ready', checks: { mysql: 'ok', redis: 'ok', temporal: 'ok', worker: 'ok' } });
  });

  test('a failed order shows the buyer a failureReason code and staff the detail', async () => {
    const product = await stack.api.post('/products', { sku: unique('hyg-fail'), name: 'Fails', priceCents: 100, stock: 5 }, { as: ADMIN });
    const owner = unique('cus-fail');
    const placed = await stack.api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { as: buyer(owner) });
    const paid = await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_captureFails' }, { as: buyer(owner) });
    expect(paid.status).toBe(402);
    expect(paid.body.order.failureReason).toBe('PAYMENT_FAILED');
    expect((await stack.api.get(`/orders/${placed.body.id}`, { as: buyer(owner) })).body.failureReason).toBe('PAYMENT_FAILED');
    const staffView = await stack.api.get(`/orders/${placed.body.id}`, { as: OPERATOR });
    expect(staffView.body.failureReason).not.toBe('PAYMENT_FAILED');
    expect(staffView.body.failureReason.length).toBeGreaterThan(10);
  });
});
