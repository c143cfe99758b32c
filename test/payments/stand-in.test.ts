import { TEST_TOKENS } from '../../payments/test-tokens';
import { ledger, request, sleep, standInForEachTest } from './stand-in';

// How long the stand-in holds a lost answer: the window in which a second request must find the key in flight,
// wide enough for a loaded machine (300 ms was not).
const HOLD_MS = 1_500;
const standIn = standInForEachTest({ lostAnswerDelayMs: HOLD_MS });

const authorize = (key: string | undefined, body: object) => request(standIn.baseUrl, 'POST', '/v1/authorizations', { key, body });
const act = (id: string, action: string, key?: string) =>
  request(standIn.baseUrl, 'POST', `/v1/authorizations/${id}/${action}`, { key, body: {} });
const visa = { amountCents: 1999, paymentToken: 'tok_visa', reference: 'order-1' };

describe('authorizations', () => {
  it('authorises with a test card and defaults the currency to EUR', async () => {
    const answer = await authorize('k1', visa);
    expect(answer.status).toBe(201);
    expect(answer.replayed).toBe(false);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^auth_/),
      status: 'authorized',
      amountCents: 1999,
      currency: 'EUR',
      reference: 'order-1',
      capturedAmountCents: 0,
      refundedAmountCents: 0,
    });
    expect(await request(standIn.baseUrl, 'GET', `/v1/authorizations/${answer.body.id}`)).toMatchObject({ status: 200, body: answer.body });
  });

  it('requires an Idempotency-Key', async () => {
    const answer = await authorize(undefined, visa);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param: 'Idempotency-Key' });
    expect((await act('auth_x', 'capture')).status).toBe(400);
    expect(await ledger(standIn.baseUrl)).toHaveLength(0);
  });

  it('finds authorizations by reference, and answers 404 for an unknown id', async () => {
    const first = await authorize('a', visa);
    await authorize('b', { ...visa, reference: 'order-2' });
    const list = await request(standIn.baseUrl, 'GET', '/v1/authorizations?reference=order-1');
    expect(list.body).toEqual({ data: [first.body] });
    expect((await request(standIn.baseUrl, 'GET', '/v1/authorizations?reference=nobody')).body).toEqual({ data: [] });
    const missing = await request(standIn.baseUrl, 'GET', '/v1/authorizations/auth_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('resource_missing');
  });
});

describe('idempotency', () => {
  it('replays the stored response for the same key and parameters, in any order', async () => {
    const first = await authorize('same', visa);
    const again = await authorize('same', { reference: 'order-1', paymentToken: 'tok_visa', amountCents: 1999, currency: 'EUR' });
    expect(again).toEqual({ status: 201, body: first.body, replayed: true });
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('refuses the same key with other parameters', async () => {
    await authorize('same', visa);
    const answer = await authorize('same', { ...visa, amountCents: 2000 });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('scopes a key to the endpoint and path', async () => {
    const a = await authorize('shared', visa);
    const b = await authorize('other', visa);
    expect((await act(a.body.id, 'capture', 'shared')).status).toBe(200);
    expect((await act(b.body.id, 'capture', 'shared')).replayed).toBe(false);
    expect((await ledger(standIn.baseUrl)).map((found) => found.status)).toEqual(['captured', 'captured']);
  });

  it('answers 409 while the same key is still in flight', async () => {
    const lost = authorize('slow', { ...visa, paymentToken: 'tok_timeout' });
    await sleep(50);
    const concurrent = await authorize('slow', { ...visa, paymentToken: 'tok_timeout' });
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    await expect(lost).rejects.toThrow('fetch failed');
  });

  it('replays a response as it was, not as the authorization is now', async () => {
    const { body } = await authorize('k', visa);
    await act(body.id, 'capture', 'cap');
    await act(body.id, 'refund', 'ref');
    const replay = await act(body.id, 'capture', 'cap');
    expect(replay).toMatchObject({ status: 200, replayed: true, body: { status: 'captured', refundedAmountCents: 0 } });
  });
});

describe('test tokens', () => {
  it('covers every token in the exported table', () => {
    expect(TEST_TOKENS.map((entry) => entry.token).sort()).toEqual(
      ['tok_captureFails', 'tok_chargeDeclined', 'tok_flaky', 'tok_insufficientFunds', 'tok_refundFails', 'tok_refundTimeout', 'tok_timeout', 'tok_visa'].sort(),
    );
  });

  it.each([
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_insufficientFunds', 'insufficient_funds'],
    ['tok_noSuchToken', 'invalid_payment_token'],
  ])('%s is declined with %s, stored and replayed', async (paymentToken, code) => {
    const first = await authorize('d', { ...visa, paymentToken });
    expect(first.status).toBe(402);
    expect(first.body.error).toMatchObject({ type: 'card_error', code });
    expect(await authorize('d', { ...visa, paymentToken })).toEqual({ ...first, replayed: true });
    expect(await ledger(standIn.baseUrl)).toHaveLength(0);
  });

  it('tok_flaky fails twice per key without storing, then succeeds', async () => {
    const flaky = { ...visa, paymentToken: 'tok_flaky' };
    for (let i = 0; i < 2; i += 1) {
      const answer = await authorize('f', flaky);
      expect(answer).toMatchObject({ status: 503, replayed: false, body: { error: { type: 'api_error', code: 'temporarily_unavailable' } } });
    }
    const third = await authorize('f', flaky);
    expect(third.status).toBe(201);
    expect(await authorize('f', flaky)).toEqual({ ...third, replayed: true });
    expect((await authorize('g', flaky)).status).toBe(503);
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('tok_timeout authorises but loses the answer; the same key then replays the success', async () => {
    const timeout = { ...visa, paymentToken: 'tok_timeout' };
    await expect(request(standIn.baseUrl, 'POST', '/v1/authorizations', { key: 't', body: timeout, timeoutMs: 100 })).rejects.toThrow();
    const [made] = await ledger(standIn.baseUrl);
    expect(made).toMatchObject({ status: 'authorized', reference: 'order-1' });
    await sleep(HOLD_MS + 100);
    expect(await authorize('t', timeout)).toEqual({ status: 201, body: made, replayed: true });
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('tok_timeout drops the connection even for a patient client', async () => {
    await expect(authorize('patient', { ...visa, paymentToken: 'tok_timeout' })).rejects.toThrow();
    expect((await authorize('patient', { ...visa, paymentToken: 'tok_timeout' })).replayed).toBe(true);
  });

  it('tok_captureFails authorises, declines the capture (stored), and stays voidable', async () => {
    const { body } = await authorize('k', { ...visa, paymentToken: 'tok_captureFails' });
    const capture = await act(body.id, 'capture', 'cap');
    expect(capture).toMatchObject({ status: 402, body: { error: { type: 'card_error', code: 'capture_declined' } } });
    expect(await act(body.id, 'capture', 'cap')).toEqual({ ...capture, replayed: true });
    expect((await act(body.id, 'void', 'v')).body.status).toBe('voided');
  });
});

describe('state rules', () => {
  it('captures an authorized one once', async () => {
    const { body } = await authorize('k', visa);
    const captured = await act(body.id, 'capture', 'c1');
    expect(captured.body).toMatchObject({ status: 'captured', capturedAmountCents: 1999 });
    const again = await act(body.id, 'capture', 'c2');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');
  });

  it('voids only an authorized one; a new key on a voided one is 409, the same key replays', async () => {
    const { body } = await authorize('k', visa);
    expect(await act(body.id, 'void', 'v1')).toMatchObject({ status: 200, body: { status: 'voided' } });
    expect(await act(body.id, 'void', 'v1')).toMatchObject({ status: 200, replayed: true });
    expect((await act(body.id, 'void', 'v2')).status).toBe(409);
    expect((await act(body.id, 'capture', 'c')).status).toBe(409);

    const other = (await authorize('k2', visa)).body;
    await act(other.id, 'capture', 'c');
    expect((await act(other.id, 'void', 'v')).body.error.code).toBe('invalid_state');
  });

  it('refunds only a captured one', async () => {
    const { body } = await authorize('k', visa);
    expect((await act(body.id, 'refund', 'r1')).status).toBe(409);
    await act(body.id, 'capture', 'c');
    expect(await act(body.id, 'refund', 'r2')).toMatchObject({ status: 200, body: { status: 'refunded', refundedAmountCents: 1999 } });
    expect((await act(body.id, 'refund', 'r3')).status).toBe(409);
  });

  it('answers 404 for an action on an unknown authorization', async () => {
    const answer = await act('auth_missing', 'void', 'v');
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
  });
});

describe('bad input', () => {
  it('names the invalid parameter', async () => {
    const answer = await authorize('k', { ...visa, amountCents: -5 });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid', param: 'amountCents' });
    expect((await authorize('k', { ...visa, colour: 'red' })).body.error.param).toBe('colour');
    // Nothing ran, so nothing was stored: the key still works with good parameters.
    expect((await authorize('k', visa)).status).toBe(201);
  });

  const junk: Array<[string, string, string, { rawBody?: string; body?: unknown; contentType?: string; key?: string }]> = [
    ['malformed JSON', 'POST', '/v1/authorizations', { rawBody: '{"amountCents":', key: 'j' }],
    ['an array', 'POST', '/v1/authorizations', { body: [1, 2], key: 'j' }],
    ['null', 'POST', '/v1/authorizations', { rawBody: 'null', key: 'j' }],
    ['a string', 'POST', '/v1/authorizations', { rawBody: '"hi"', key: 'j' }],
    ['no body', 'POST', '/v1/authorizations', { key: 'j' }],
    ['text/plain', 'POST', '/v1/authorizations', { rawBody: 'amount=5', contentType: 'text/plain', key: 'j' }],
    ['wrong types', 'POST', '/v1/authorizations', { body: { amountCents: '12', paymentToken: 5, reference: null }, key: 'j' }],
    ['a fraction', 'POST', '/v1/authorizations', { body: { ...visa, amountCents: 1.5 }, key: 'j' }],
    ['a huge amount', 'POST', '/v1/authorizations', { body: { ...visa, amountCents: 1e300 }, key: 'j' }],
    ['a lower-case currency', 'POST', '/v1/authorizations', { body: { ...visa, currency: 'eur' }, key: 'j' }],
    ['an empty token', 'POST', '/v1/authorizations', { body: { ...visa, paymentToken: '' }, key: 'j' }],
    ['prototype keys', 'POST', '/v1/authorizations', { rawBody: '{"__proto__":{"x":1},"constructor":1}', key: 'j' }],
    ['a very long key', 'POST', '/v1/authorizations', { body: visa, key: 'k'.repeat(300) }],
    ['a too-large body', 'POST', '/v1/authorizations', { body: { ...visa, reference: 'x'.repeat(50_000) }, key: 'j' }],
    ['a body on capture', 'POST', '/v1/authorizations/auth_x/capture', { body: { amountCents: 5 }, key: 'j' }],
    ['an odd id', 'POST', '/v1/authorizations/%E2%98%83%00/void', { key: 'j' }],
    ['a list without reference', 'GET', '/v1/authorizations', {}],
    ['a repeated reference', 'GET', '/v1/authorizations?reference=a&reference=b', {}],
    ['an unknown route', 'DELETE', '/v1/authorizations/auth_x', {}],
  ];

  it.each(junk)('answers %s with a 4xx error, never a 500', async (_name, method, path, options) => {
    const answer = await request(standIn.baseUrl, method, path, options);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.error).toEqual(expect.objectContaining({ type: expect.any(String), code: expect.any(String), message: expect.any(String) }));
    expect(await ledger(standIn.baseUrl)).toHaveLength(0);
  });
});
