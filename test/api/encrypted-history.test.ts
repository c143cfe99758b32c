/**
 * Workflow payloads are encrypted: a paid order's real history, fetched raw from the dev server, holds no payment
 * token, customer id or amount in any payload (only in the CustomerId search attribute, which stays clear by design),
 * and the same history replays with the codec.
 */
import { Worker } from '@temporalio/worker';
import { dataConverterFor, ENCRYPTED_ENCODING } from '../../temporal/codec';
import { ADMIN, buyer } from '../support/auth';
import { TEST_CODEC_KEYS } from '../support/codec';
import { unique } from './http';
import { serviceForThisFile } from './service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000 });

interface FoundPayload {
  path: string;
  metadata: Record<string, string>;
  bytes: Buffer;
}

/** Every payload in a history (anything with `data` bytes and `metadata`), with where it sits. */
function payloadsIn(value: unknown, path = 'history'): FoundPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && record.metadata && typeof record.metadata === 'object') {
    const metadata = Object.fromEntries(Object.entries(record.metadata as Record<string, Uint8Array>).map(([key, bytes]) => [key, Buffer.from(bytes).toString()]));
    return [{ path, metadata, bytes: Buffer.from(record.data) }];
  }
  return Object.entries(record).flatMap(([key, child]) => payloadsIn(child, `${path}.${key}`));
}

test('a paid order history holds no payment token, customer id or amount in clear, and replays with the codec', async () => {
  // A declined card first, so the decline reason is in the history too, then a good one.
  const product = await stack.api.post('/products', { sku: unique('enc'), name: 'Encrypted', priceCents: 73_519, stock: 10 }, { as: ADMIN });
  const customerId = unique('cus-secret');
  const placed = await stack.api.post('/orders', { items: [{ productId: product.body.id, quantity: 1 }] }, { as: buyer(customerId) });
  const orderId: string = placed.body.id;
  expect((await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_insufficientFunds' }, { as: buyer(customerId) })).status).toBe(402);
  expect((await stack.api.post(`/orders/${orderId}/payment`, { paymentToken: 'tok_visa' }, { as: buyer(customerId) })).body.status).toBe('CONFIRMED');
  await stack.service.temporalClient.workflow.getHandle(orderId).result();

  const { history } = await stack.service.temporalClient.workflowService.getWorkflowExecutionHistory({
    namespace: 'default',
    execution: { workflowId: orderId },
  });
  const secrets = ['tok_visa', 'tok_insufficientFunds', 'insufficient_funds', customerId, '73519'];
  const payloads = payloadsIn(history);
  // The search attributes (CustomerId, OrderStatus) are the one clear part: an opaque id, indexed for the Web UI.
  const business = payloads.filter((payload) => !payload.path.includes('searchAttributes'));
  // The SDK core's own bookkeeping in markers (patch ids, local activity sequence numbers and times) is not
  // passed through codecs; it holds no order data, as the leak search below checks.
  const sealed = business.filter((payload) => !/markerRecordedEventAttributes\.details\.(patch-data|data)\./.test(payload.path));
  expect(sealed.length).toBeGreaterThan(10);
  expect(sealed.filter((payload) => payload.metadata.encoding !== ENCRYPTED_ENCODING).map((payload) => payload.path)).toEqual([]);
  expect(new Set(sealed.map((payload) => payload.metadata['encryption-key-id']))).toEqual(new Set(['test1']));
  const leaks = business.flatMap((payload) => secrets.filter((secret) => payload.bytes.toString('latin1').includes(secret)).map((secret) => `${secret} in ${payload.path}`));
  expect(leaks).toEqual([]);
  // Nor anywhere else in the raw history (failure messages, summaries), search attributes aside.
  const { searchAttributes: _clear, ...rest } = (history?.events?.[0]?.workflowExecutionStartedEventAttributes ?? {}) as Record<string, unknown>;
  const elsewhere = JSON.stringify({ ...history, events: [rest, ...(history?.events ?? []).slice(1).map((event) => ({ ...event, upsertWorkflowSearchAttributesEventAttributes: undefined }))] });
  expect(secrets.filter((secret) => elsewhere.includes(secret))).toEqual([]);

  // The check can see a secret: decoded with the key, the payloads do hold them.
  const decoded = await dataConverterFor(TEST_CODEC_KEYS)!.payloadCodecs![0].decode(sealed.map((payload) => ({ metadata: Object.fromEntries(Object.entries(payload.metadata).map(([key, text]) => [key, Buffer.from(text)])), data: payload.bytes })));
  const clear = decoded.map((payload) => Buffer.from(payload.data ?? []).toString()).join('\n');
  expect(secrets.filter((secret) => secret !== 'insufficient_funds' && !clear.includes(secret))).toEqual([]);

  // And the encrypted history replays against the workflow code with the codec.
  await expect(
    Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows'), dataConverter: dataConverterFor(TEST_CODEC_KEYS) }, history!, orderId),
  ).resolves.toBeUndefined();
}, 120_000);

