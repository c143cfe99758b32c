/**
 * Finding 1 of the hostile probe, the provider's side: the stand-in took capture, void and refund from anyone and
 * listed every merchant's authorisations. Now every call needs a merchant's key, and each key sees only its own.
 */
import { OTHER_MERCHANT_API_KEY, TEST_PAYMENTS_API_KEY } from '../support/payments-keys';
import { request, startStandIn, type StandIn } from './stand-in';

let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn();
});
afterAll(() => standIn.close());

const authorize = (apiKey: string, reference: string) =>
  request(standIn.baseUrl, 'POST', '/v1/authorizations', { apiKey, key: `${reference}:authorize`, body: { amountCents: 1_500, paymentToken: 'tok_visa', reference } });
const capture = (apiKey: string, id: string) => request(standIn.baseUrl, 'POST', `/v1/authorizations/${id}/capture`, { apiKey, key: `${id}:capture`, body: {} });

test('a refund without a key, or with a key it does not know, is 401 and changes nothing', async () => {
  const made = await authorize(TEST_PAYMENTS_API_KEY, 'ord_keys_1');
  await capture(TEST_PAYMENTS_API_KEY, made.body.id);
  for (const apiKey of [null, 'sk_test_made_up_0123456789']) {
    const refused = await request(standIn.baseUrl, 'POST', `/v1/authorizations/${made.body.id}/refund`, { apiKey, key: 'made-up', body: {} });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe(apiKey === null ? 'api_key_missing' : 'api_key_invalid');
  }
  expect((await request(standIn.baseUrl, 'GET', '/v1/ledger', { apiKey: null })).status).toBe(401);
  expect((await request(standIn.baseUrl, 'GET', `/v1/authorizations/${made.body.id}`)).body.status).toBe('captured');
});

test("the service's key gets 404 for another merchant's authorisation, and lists only its own", async () => {
  const theirs = await authorize(OTHER_MERCHANT_API_KEY, 'ord_keys_2');
  await capture(OTHER_MERCHANT_API_KEY, theirs.body.id);
  const ours = await authorize(TEST_PAYMENTS_API_KEY, 'ord_keys_2');

  const refund = await request(standIn.baseUrl, 'POST', `/v1/authorizations/${theirs.body.id}/refund`, { apiKey: TEST_PAYMENTS_API_KEY, key: 'r1', body: {} });
  expect(refund.status).toBe(404);
  expect((await request(standIn.baseUrl, 'GET', `/v1/authorizations/${theirs.body.id}`)).status).toBe(404);
  const byReference = await request(standIn.baseUrl, 'GET', '/v1/authorizations?reference=ord_keys_2');
  expect(byReference.body.data.map((one: { id: string }) => one.id)).toEqual([ours.body.id]);
  const ledger = await request(standIn.baseUrl, 'GET', '/v1/ledger');
  expect(ledger.body.authorizations.map((one: { id: string }) => one.id)).not.toContain(theirs.body.id);
  expect((await request(standIn.baseUrl, 'GET', `/v1/authorizations/${theirs.body.id}`, { apiKey: OTHER_MERCHANT_API_KEY })).body.status).toBe('captured');
});

test("one merchant's Idempotency-Key never replays another's answer", async () => {
  const key = 'shared-key';
  const body = { amountCents: 700, paymentToken: 'tok_visa', reference: 'ord_keys_3' };
  const first = await request(standIn.baseUrl, 'POST', '/v1/authorizations', { apiKey: OTHER_MERCHANT_API_KEY, key, body });
  const second = await request(standIn.baseUrl, 'POST', '/v1/authorizations', { apiKey: TEST_PAYMENTS_API_KEY, key, body });
  expect(second.replayed).toBe(false);
  expect(second.body.id).not.toBe(first.body.id);
});
