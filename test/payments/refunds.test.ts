/**
 * Partial refunds at the stand-in (POST /v1/refunds): several per capture, never more in sum than was captured, each
 * once per Idempotency-Key; tok_refundFails declines them, tok_refundTimeout loses the answer of one that was made.
 */
import { ledger, request, sleep, standInForEachTest } from './stand-in';

const HOLD_MS = 1_500;
const standIn = standInForEachTest({ lostAnswerDelayMs: HOLD_MS });

async function capturedWith(paymentToken: string, amountCents = 1_000): Promise<string> {
  const { body } = await request(standIn.baseUrl, 'POST', '/v1/authorizations', { key: `a-${paymentToken}`, body: { amountCents, paymentToken, reference: 'ord_r' } });
  await request(standIn.baseUrl, 'POST', `/v1/authorizations/${body.id}/capture`, { key: `c-${paymentToken}`, body: {} });
  return body.id;
}
const refund = (key: string, authorizationId: string, amountCents: number, timeoutMs?: number) =>
  request(standIn.baseUrl, 'POST', '/v1/refunds', { key, body: { authorizationId, amountCents, merchantReference: key }, timeoutMs });
const authorization = async (id: string) => (await request(standIn.baseUrl, 'GET', `/v1/authorizations/${id}`)).body;

it('refunds a capture in parts, keeps it captured until the parts add up to it, and refuses more', async () => {
  const id = await capturedWith('tok_visa');
  const first = await refund('rf_1', id, 300);
  expect(first).toMatchObject({
    status: 201,
    body: { id: expect.stringMatching(/^re_/), authorizationId: id, amountCents: 300, reference: 'ord_r', merchantReference: 'rf_1', status: 'succeeded' },
  });
  expect(await authorization(id)).toMatchObject({ status: 'captured', refundedAmountCents: 300 });

  const tooMuch = await refund('rf_2', id, 701);
  expect(tooMuch).toMatchObject({ status: 400, body: { error: { code: 'amount_too_large', param: 'amountCents' } } });
  expect((await refund('rf_3', id, 700)).status).toBe(201);
  expect(await authorization(id)).toMatchObject({ status: 'refunded', refundedAmountCents: 1_000 });
  expect((await refund('rf_4', id, 1)).body.error.code).toBe('invalid_state');

  const listed = await request(standIn.baseUrl, 'GET', `/v1/refunds?authorizationId=${id}`);
  expect(listed.body.data.map((found: { amountCents: number }) => found.amountCents)).toEqual([300, 700]);
  expect(await request(standIn.baseUrl, 'GET', `/v1/refunds/${first.body.id}`)).toMatchObject({ status: 200, body: first.body });
});

it('replays a refund for its key instead of refunding again, and refuses the key with another amount', async () => {
  const id = await capturedWith('tok_visa');
  const first = await refund('rf_once', id, 400);
  expect(await refund('rf_once', id, 400)).toEqual({ ...first, replayed: true });
  expect((await refund('rf_once', id, 500)).body.error.code).toBe('idempotency_key_reused');
  expect(await authorization(id)).toMatchObject({ refundedAmountCents: 400 });
});

it('lets 20 concurrent refunds of the whole capture, each with its own key, succeed exactly once', async () => {
  const id = await capturedWith('tok_visa');
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refund(`rf_race_${i}`, id, 1_000)));
  expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
  expect(await authorization(id)).toMatchObject({ status: 'refunded', refundedAmountCents: 1_000 });
});

it('tok_refundFails declines every refund (stored and replayed) and refunds nothing, on both routes', async () => {
  const id = await capturedWith('tok_refundFails');
  const declined = await refund('rf_d', id, 100);
  expect(declined).toMatchObject({ status: 402, body: { error: { type: 'card_error', code: 'refund_declined' } } });
  expect(await refund('rf_d', id, 100)).toEqual({ ...declined, replayed: true });
  expect((await request(standIn.baseUrl, 'POST', `/v1/authorizations/${id}/refund`, { key: 'full', body: {} })).body.error.code).toBe('refund_declined');
  expect(await authorization(id)).toMatchObject({ status: 'captured', refundedAmountCents: 0 });
});

it('tok_refundTimeout makes the refund but loses its answer; the same key then replays it', async () => {
  const id = await capturedWith('tok_refundTimeout');
  await expect(refund('rf_lost', id, 250, 200)).rejects.toThrow();
  expect(await authorization(id)).toMatchObject({ refundedAmountCents: 250 });
  expect((await refund('rf_lost', id, 250)).status).toBe(409); // still in flight
  await sleep(HOLD_MS + 100);
  const replay = await refund('rf_lost', id, 250);
  expect(replay).toMatchObject({ status: 201, replayed: true, body: { amountCents: 250, merchantReference: 'rf_lost' } });
  expect(await authorization(id)).toMatchObject({ refundedAmountCents: 250 });
});

it.each([
  ['an unknown authorization', { authorizationId: 'auth_nope', amountCents: 1 }, 404],
  ['a zero amount', { authorizationId: 'auth_nope', amountCents: 0 }, 400],
  ['an unknown field', { authorizationId: 'auth_nope', amountCents: 1, reason: 'x' }, 400],
])('answers %s with a 4xx and refunds nothing', async (_name, body, status) => {
  expect((await request(standIn.baseUrl, 'POST', '/v1/refunds', { key: 'bad', body })).status).toBe(status);
  expect((await request(standIn.baseUrl, 'GET', '/v1/ledger')).body.refunds).toEqual([]);
  expect(await ledger(standIn.baseUrl)).toHaveLength(0);
});
