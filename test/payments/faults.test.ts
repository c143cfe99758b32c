import { FaultInjector, parsePaymentFaults, seededRandom } from '../../payments/faults';
import { ledger, request, sleep, startStandIn, type StandIn } from './stand-in';

// How long the stand-in holds a lost answer: the window in which a second request must find the key in flight,
// wide enough for a loaded machine (300 ms was not).
const HOLD_MS = 1_500;
const visa = { amountCents: 1999, paymentToken: 'tok_visa', reference: 'order-1' };

describe('PAYMENTS_FAULTS parsing', () => {
  it('reads latency ranges, rates and a seed', () => {
    expect(parsePaymentFaults('latencyMs=50-400,failRate=0.1,loseAnswerRate=0.05')).toEqual({
      latencyMs: { min: 50, max: 400 },
      failRate: 0.1,
      loseAnswerRate: 0.05,
    });
    expect(parsePaymentFaults(' latencyMs=20 , seed=7 ')).toEqual({ latencyMs: { min: 20, max: 20 }, failRate: 0, loseAnswerRate: 0, seed: 7 });
  });

  it('is off when unset, blank or "off"', () => {
    expect(parsePaymentFaults(undefined)).toBeUndefined();
    expect(parsePaymentFaults('  ')).toBeUndefined();
    expect(parsePaymentFaults('off')).toBeUndefined();
  });

  it.each([
    ['failRate=1.5', /failRate must be a number from 0 to 1/],
    ['failRate=', /failRate must be a number from 0 to 1/],
    ['latencyMs=400-50', /ends before it starts/],
    ['latencyMs=-5', /whole milliseconds/],
    ['latencyMs=1-2-3', /min-max/],
    ['slowness=3', /unknown setting "slowness"/],
    ['failRate', /expected name=value/],
    ['seed=abc', /seed must be a whole number/],
  ])('refuses %s, naming the problem', (text, message) => {
    expect(() => parsePaymentFaults(text)).toThrow(message);
  });

  it('draws repeatably from a seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const drawsA = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(drawsA);
    expect(drawsA.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    const injector = new FaultInjector({ latencyMs: { min: 10, max: 20 }, failRate: 0.5, loseAnswerRate: 0, seed: 1 });
    const latencies = Array.from({ length: 100 }, () => injector.latency());
    expect(latencies.every((ms) => ms >= 10 && ms <= 20)).toBe(true);
    const failures = Array.from({ length: 1_000 }, () => injector.fail()).filter(Boolean).length;
    expect(failures).toBeGreaterThan(400);
    expect(failures).toBeLessThan(600);
    expect(injector.counts).toEqual({ delayed: 100, failed: failures, lostAnswers: 0 });
  });
});

describe('the stand-in in fault mode', () => {
  let standIn: StandIn;
  afterEach(() => standIn?.close());

  const authorize = (key: string, body: object = visa, timeoutMs?: number) =>
    request(standIn.baseUrl, 'POST', '/v1/authorizations', { key, body, timeoutMs });

  it('has no /v1/faults when the fault mode is off', async () => {
    standIn = await startStandIn();
    expect((await request(standIn.baseUrl, 'GET', '/v1/faults')).status).toBe(404);
  });

  it('adds latency to provider calls, not to /health or /v1/ledger', async () => {
    standIn = await startStandIn({ faults: { latencyMs: { min: 150, max: 150 }, failRate: 0, loseAnswerRate: 0 } });
    let started = Date.now();
    expect((await authorize('slow')).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    started = Date.now();
    await request(standIn.baseUrl, 'GET', '/health');
    await ledger(standIn.baseUrl);
    expect(Date.now() - started).toBeLessThan(140);
    expect((await request(standIn.baseUrl, 'GET', '/v1/faults')).body.injected).toEqual({ delayed: 1, failed: 0, lostAnswers: 0 });
  });

  it('answers transient 503s that store nothing, so the same key runs for real on a retry, once', async () => {
    standIn = await startStandIn({ faults: { latencyMs: { min: 0, max: 0 }, failRate: 0.5, loseAnswerRate: 0, seed: 3 } });
    const answers = [];
    for (let i = 0; i < 40; i += 1) answers.push(await authorize('retried'));
    const failures = answers.filter((answer) => answer.status === 503);
    const successes = answers.filter((answer) => answer.status === 201);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((answer) => answer.body.error.code === 'temporarily_unavailable' && !answer.replayed)).toBe(true);
    expect(successes.length).toBe(40 - failures.length);
    // One authorization, whatever the number of tries: every success after the first is its replay.
    expect(new Set(successes.map((answer) => answer.body.id)).size).toBe(1);
    expect(successes.filter((answer) => !answer.replayed)).toHaveLength(1);
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
    // GETs of the provider API are faulted too (the reversal reads through them); the ledger is not.
    const gets = [];
    for (let i = 0; i < 20; i += 1) gets.push((await request(standIn.baseUrl, 'GET', `/v1/authorizations/${successes[0].body.id}`)).status);
    expect(new Set(gets)).toEqual(new Set([200, 503]));
    for (let i = 0; i < 10; i += 1) expect((await request(standIn.baseUrl, 'GET', '/v1/ledger')).status).toBe(200);
  });

  it('loses answers after doing the work: 409 while in flight, then the same key replays it', async () => {
    standIn = await startStandIn({ lostAnswerDelayMs: HOLD_MS, faults: { latencyMs: { min: 0, max: 0 }, failRate: 0, loseAnswerRate: 1 } });
    await expect(authorize('lost', visa, 100)).rejects.toThrow();
    const [made] = await ledger(standIn.baseUrl);
    expect(made).toMatchObject({ status: 'authorized', reference: 'order-1' });
    const meanwhile = await authorize('lost');
    expect(meanwhile).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_in_use' } } });
    await sleep(HOLD_MS + 100);
    // A replay is never lost: it is not executed again.
    expect(await authorize('lost')).toEqual({ status: 201, body: made, replayed: true });

    // Captures lose their answers too, and a decline is stored (and replayed) like any answer.
    const capture = request(standIn.baseUrl, 'POST', `/v1/authorizations/${made.id}/capture`, { key: 'cap', body: {}, timeoutMs: 100 });
    await expect(capture).rejects.toThrow();
    expect((await ledger(standIn.baseUrl))[0].status).toBe('captured');
    await expect(authorize('declined', { ...visa, paymentToken: 'tok_chargeDeclined' }, 100)).rejects.toThrow();
    await sleep(HOLD_MS + 100);
    expect(await request(standIn.baseUrl, 'POST', `/v1/authorizations/${made.id}/capture`, { key: 'cap', body: {} })).toMatchObject({
      status: 200,
      replayed: true,
      body: { status: 'captured' },
    });
    expect(await authorize('declined', { ...visa, paymentToken: 'tok_chargeDeclined' })).toMatchObject({
      status: 402,
      replayed: true,
      body: { error: { code: 'card_declined' } },
    });
    expect((await request(standIn.baseUrl, 'GET', '/v1/faults')).body.injected).toEqual({ delayed: 0, failed: 0, lostAnswers: 3 });
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('keeps idempotency errors and validation as they are', async () => {
    standIn = await startStandIn({ faults: { latencyMs: { min: 0, max: 0 }, failRate: 0, loseAnswerRate: 0 } });
    expect((await authorize('k')).status).toBe(201);
    expect((await authorize('k', { ...visa, amountCents: 5 })).body.error.code).toBe('idempotency_key_reused');
    expect((await authorize('bad', { ...visa, amountCents: -1 })).status).toBe(400);
  });
});
