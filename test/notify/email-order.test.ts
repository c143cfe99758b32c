/**
 * The buyer's mail end to end: an order placed with an e-mail address and paid through the API, on the real dev
 * server, worker, MariaDB, Redis and an SMTP server on loopback. The address reaches the mail and nothing else.
 */
import { emailNotifier, type EmailNotifier } from '../../activities/email-notifier';
import { logNotifier } from '../../activities/notify';
import { apiClient, eventually, unique, type ApiClient } from '../api/http';
import { customToken } from '../support/auth';
import { startService, type Service } from '../support/service';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';

let sink: SmtpSink;
let notifier: EmailNotifier;
let service: Service;
let api: ApiClient;
const logLines: string[] = [];

// Own set-up: the notifier needs the SMTP sink's address, known once it listens; the fixture's options are fixed at load.
beforeAll(async () => {
  sink = await startSmtpSink();
  const logChannel = logNotifier({ info: (fields, message) => logLines.push(JSON.stringify(fields) + message) });
  notifier = emailNotifier({ smtpUrl: sink.url, from: 'orders@shop.test', fallback: logChannel });
  service = await startService({ holdMs: 60_000, notifier });
  api = apiClient(service.baseUrl);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  notifier?.close();
  await sink?.close();
}, 60_000);

async function newProduct(): Promise<number> {
  const answer = await api.post('/products', { sku: unique('mail-sku'), name: 'Mail test product', priceCents: 500, stock: 5 });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

it("sends a paid order's buyer one confirmation mail, and keeps the address out of the history and the answers", async () => {
  const email = `${unique('buyer')}@example.test`;
  const productId = await newProduct();
  const placed = await api.post('/orders', { customerId: unique('cus'), email, items: [{ productId, quantity: 1 }] });
  expect(placed.status).toBe(201);
  const orderId: string = placed.body.id;
  const paid = await api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' });
  expect(paid.status).toBe(200);

  const mails = await eventually(async () => {
    const mine = sink.mails.filter((mail) => mail.text?.includes(orderId));
    expect(mine).toHaveLength(1);
    return mine;
  });
  expect(mails[0].to).toMatchObject({ value: [{ address: email }] });
  expect(mails[0].subject).toBe(`Order ${orderId} confirmed`);
  expect(mails[0].messageId).toBe(`<${orderId}.order_confirmed@shop.test>`);
  await eventually(async () => expect((await api.get(`/orders/${orderId}`)).body.notifications).toEqual(['ORDER_CONFIRMED']));

  const history = readable(await service.temporalClient.workflow.getHandle(orderId).fetchHistory());
  expect(history).toContain(placed.body.customerId); // the payloads are readable here...
  expect(history).not.toContain(email); // ...and the address is in none of them
  expect(JSON.stringify((await api.get(`/orders/${orderId}`)).body)).not.toContain(email);
});

it("mails the address of the buyer's token (its email claim) rather than the body's", async () => {
  const productId = await newProduct();
  const customerId = unique('cus');
  const token = await customToken({ sub: customerId, roles: ['customer'], email: 'claimed@example.test' });
  const placed = await api.post(
    '/orders',
    { customerId, email: 'typed@example.test', items: [{ productId, quantity: 1 }] },
    { as: 'anonymous', headers: { authorization: `Bearer ${token}` } },
  );
  expect(placed.status).toBe(201);
  const paid = await api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' }, { as: 'anonymous', headers: { authorization: `Bearer ${token}` } });
  expect(paid.status).toBe(200);
  const [mail] = await eventually(async () => {
    const mine = sink.mails.filter((candidate) => candidate.text?.includes(placed.body.id));
    expect(mine).toHaveLength(1);
    return mine;
  });
  expect(mail.to).toMatchObject({ value: [{ address: 'claimed@example.test' }] });
});

it('refuses an address that is not one, naming the field', async () => {
  const productId = await newProduct();
  const answer = await api.post('/orders', { customerId: unique('cus'), email: 'not-an-address', items: [{ productId, quantity: 1 }] });
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.email' });
});

it('treats the same key with another address as another request', async () => {
  const productId = await newProduct();
  const key = unique('mail-key');
  const body = { customerId: unique('cus'), email: 'one@example.test', items: [{ productId, quantity: 1 }] };
  expect((await api.post('/orders', body, { idempotencyKey: key })).status).toBe(201);
  expect((await api.post('/orders', body, { idempotencyKey: key })).status).toBe(201);
  const other = await api.post('/orders', { ...body, email: 'two@example.test' }, { idempotencyKey: key });
  expect(other.status).toBe(422);
  expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
});

/** The history as text with every payload decoded (fetchHistory gives payload bytes as base64), so any value in any input or result can be searched. */
function readable(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) =>
    key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
  );
}
