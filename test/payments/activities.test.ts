import type { Logger } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPaymentActivities, type PaymentActivities } from '../../activities/payment';
import { createPaymentsClient, PaymentsError } from '../../payments/client';
import { CAPTURE_DECLINED, PAYMENT_DECLINED, PAYMENT_REQUEST_REJECTED } from '../../workflows/failures';
import { ledger, sleep, startStandIn, type StandIn } from './stand-in';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

const quiet: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
// A lost answer is one the stand-in holds for HOLD_MS, past the client's timeout. Both sit far above a normal answer
// (milliseconds on a quiet machine, hundreds under load): with 150 ms, three tests failed in a loaded full run when
// ordinary answers came late and were taken for lost ones.
const CLIENT_TIMEOUT_MS = 1_000;
const HOLD_MS = 3_000;

let standIn: StandIn;
let activities: PaymentActivities;
const env = new MockActivityEnvironment(undefined, { logger: quiet });

beforeEach(async () => {
  standIn = await startStandIn({ lostAnswerDelayMs: HOLD_MS });
  activities = createPaymentActivities(createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: standIn.baseUrl, timeoutMs: CLIENT_TIMEOUT_MS }));
});
afterEach(() => standIn.close());

/** Runs inside a mock activity context, since the activities log through it; run() cannot infer the result type. */
const inActivity = <T>(fn: () => Promise<T>): Promise<T> => env.run(fn) as Promise<T>;
const authorize = (orderId: string, paymentToken: string, attempt = 1) =>
  inActivity(() => activities.authorizePayment({ orderId, attempt, amountCents: 4200, paymentToken }));
const capture = (orderId: string, authorizationId: string) => inActivity(() => activities.capturePayment({ orderId, authorizationId }));
const reverse = (orderId: string, authorizationId?: string) => inActivity(() => activities.reversePayment({ orderId, authorizationId }));

/** Temporal retries any thrown error except a non-retryable ApplicationFailure. */
async function expectRetryable(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PaymentsError);
  expect(error).toMatchObject({ kind: 'retryable', code });
}

async function expectNonRetryable(promise: Promise<unknown>, type: string, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  expect(error).toMatchObject({ type, nonRetryable: true, details: [expect.objectContaining({ code })] });
}

describe('authorizePayment', () => {
  it('authorises the order amount under its id', async () => {
    const { authorizationId } = await authorize('o1', 'tok_visa');
    expect(await ledger(standIn.baseUrl)).toEqual([
      expect.objectContaining({ id: authorizationId, status: 'authorized', amountCents: 4200, reference: 'o1' }),
    ]);
    expect(await authorize('o1', 'tok_visa')).toEqual({ authorizationId });
  });

  it('turns declines into non-retryable PaymentDeclined failures', async () => {
    await expectNonRetryable(authorize('o1', 'tok_chargeDeclined'), PAYMENT_DECLINED, 'card_declined');
    await expectNonRetryable(authorize('o1', 'tok_insufficientFunds', 2), PAYMENT_DECLINED, 'insufficient_funds');
  });

  it('throws retryable errors for transient failures, then succeeds under the same key', async () => {
    await expectRetryable(authorize('o1', 'tok_flaky'), 'temporarily_unavailable');
    await expectRetryable(authorize('o1', 'tok_flaky'), 'temporarily_unavailable');
    await authorize('o1', 'tok_flaky');
    expect(await ledger(standIn.baseUrl)).toHaveLength(1);
  });

  it('recovers a lost answer: the retry gets the same authorization and only one exists', async () => {
    await expectRetryable(authorize('o1', 'tok_timeout'), 'timeout');
    await expectRetryable(authorize('o1', 'tok_timeout'), 'idempotency_key_in_use');
    await sleep(HOLD_MS + 100);
    const { authorizationId } = await authorize('o1', 'tok_timeout');
    const books = await ledger(standIn.baseUrl);
    expect(books).toHaveLength(1);
    expect(books[0]?.id).toBe(authorizationId);
  });

  it('treats an unreachable provider as retryable', async () => {
    const offline = createPaymentActivities(createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 }));
    const attempt = inActivity(() => offline.authorizePayment({ orderId: 'o1', attempt: 1, amountCents: 1, paymentToken: 'tok_visa' }));
    await expectRetryable(attempt, 'network_error');
  });

  it('refuses a reused attempt key with other parameters without retrying', async () => {
    await authorize('o1', 'tok_visa');
    await expectNonRetryable(authorize('o1', 'tok_flaky'), PAYMENT_REQUEST_REJECTED, 'idempotency_key_reused');
  });
});

describe('capturePayment', () => {
  it('captures once, however often it runs', async () => {
    const { authorizationId } = await authorize('o1', 'tok_visa');
    await capture('o1', authorizationId);
    await capture('o1', authorizationId);
    expect(await ledger(standIn.baseUrl)).toEqual([expect.objectContaining({ status: 'captured', capturedAmountCents: 4200 })]);
  });

  it('turns a capture decline into a non-retryable CaptureDeclined failure', async () => {
    const { authorizationId } = await authorize('o1', 'tok_captureFails');
    await expectNonRetryable(capture('o1', authorizationId), CAPTURE_DECLINED, 'capture_declined');
  });

  it('does not retry a capture of something already voided', async () => {
    const { authorizationId } = await authorize('o1', 'tok_visa');
    await reverse('o1', authorizationId);
    await expectNonRetryable(capture('o1', authorizationId), PAYMENT_REQUEST_REJECTED, 'invalid_state');
  });
});

describe('reversePayment', () => {
  it('voids an authorized payment, and a second run changes nothing', async () => {
    const { authorizationId } = await authorize('o1', 'tok_visa');
    expect(await reverse('o1', authorizationId)).toBe('VOIDED');
    const after = await ledger(standIn.baseUrl);
    expect(after).toEqual([expect.objectContaining({ status: 'voided' })]);
    expect(await reverse('o1', authorizationId)).toBe('VOIDED');
    expect(await ledger(standIn.baseUrl)).toEqual(after);
  });

  it('refunds a captured payment, and a second run changes nothing', async () => {
    const { authorizationId } = await authorize('o1', 'tok_visa');
    await capture('o1', authorizationId);
    expect(await reverse('o1', authorizationId)).toBe('REFUNDED');
    const after = await ledger(standIn.baseUrl);
    expect(after).toEqual([expect.objectContaining({ status: 'refunded', refundedAmountCents: 4200 })]);
    expect(await reverse('o1', authorizationId)).toBe('REFUNDED');
    expect(await ledger(standIn.baseUrl)).toEqual(after);
  });

  it('voids an authorization whose answer was lost, found by order id', async () => {
    await expectRetryable(authorize('o1', 'tok_timeout'), 'timeout');
    expect(await reverse('o1')).toBe('VOIDED');
    expect(await ledger(standIn.baseUrl)).toEqual([expect.objectContaining({ reference: 'o1', status: 'voided' })]);
  });

  it('voids the authorization left by a declined capture', async () => {
    const { authorizationId } = await authorize('o1', 'tok_captureFails');
    await expectNonRetryable(capture('o1', authorizationId), CAPTURE_DECLINED, 'capture_declined');
    expect(await reverse('o1', authorizationId)).toBe('VOIDED');
  });

  it('reverses every authorization of the order, not only the known one', async () => {
    await expectRetryable(authorize('o1', 'tok_timeout', 1), 'timeout');
    const { authorizationId } = await authorize('o1', 'tok_visa', 2);
    await capture('o1', authorizationId);
    expect(await reverse('o1', authorizationId)).toBe('REFUNDED');
    expect((await ledger(standIn.baseUrl)).map((found) => found.status).sort()).toEqual(['refunded', 'voided']);
  });

  it('has nothing to reverse when no authorization was made', async () => {
    await expectNonRetryable(authorize('o1', 'tok_chargeDeclined'), PAYMENT_DECLINED, 'card_declined');
    expect(await reverse('o1')).toBe('NOTHING_TO_REVERSE');
    expect(await reverse('o1', 'auth_unknown')).toBe('NOTHING_TO_REVERSE');
    expect(await reverse('o2')).toBe('NOTHING_TO_REVERSE');
  });
});

describe('voidStrayAuthorizations', () => {
  const voidStrays = (orderId: string, keepAuthorizationId: string) =>
    inActivity(() => activities.voidStrayAuthorizations({ orderId, keepAuthorizationId }));

  it('voids an earlier attempt whose answer was lost and keeps the captured one, once however often it runs', async () => {
    await expect(authorize('o-stray', 'tok_timeout', 1)).rejects.toBeInstanceOf(PaymentsError);
    const { authorizationId } = await authorize('o-stray', 'tok_visa', 2);
    await capture('o-stray', authorizationId);

    expect(await voidStrays('o-stray', authorizationId)).toBe(1);
    expect(await voidStrays('o-stray', authorizationId)).toBe(0);

    const statuses = Object.fromEntries((await ledger(standIn.baseUrl)).map((a: { id: string; status: string }) => [a.id, a.status]));
    expect(statuses[authorizationId]).toBe('captured');
    expect(Object.values(statuses).sort()).toEqual(['captured', 'voided']);
  });
});

describe('capturePayment after a lost answer', () => {
  it('finds on its retry that the capture went through, while the provider still holds the key busy', async () => {
    const lossy = await startStandIn({ lostAnswerDelayMs: HOLD_MS, faults: { latencyMs: { min: 0, max: 0 }, failRate: 0, loseAnswerRate: 1 } });
    try {
      const client = createPaymentsClient({ apiKey: TEST_PAYMENTS_API_KEY, baseUrl: lossy.baseUrl, timeoutMs: CLIENT_TIMEOUT_MS });
      const lossyActivities = createPaymentActivities(client);
      const authorization = await client
        .authorize({ amountCents: 4200, currency: 'EUR', paymentToken: 'tok_visa', reference: 'o-lost-capture' }, 'o-lost-capture:authorize:1')
        .catch(() => undefined);
      expect(authorization).toBeUndefined();
      const [{ id: authorizationId }] = await client.listByReference('o-lost-capture');
      const input = { orderId: 'o-lost-capture', authorizationId };

      await expect(env.run(() => lossyActivities.capturePayment(input))).rejects.toBeInstanceOf(PaymentsError);
      const retry = new MockActivityEnvironment({ attempt: 2 }, { logger: quiet });
      await expect(retry.run(() => lossyActivities.capturePayment(input))).resolves.toBeUndefined();

      const captured = (await ledger(lossy.baseUrl)).filter((a: { status: string }) => a.status === 'captured');
      expect(captured).toHaveLength(1);
    } finally {
      await lossy.close();
    }
  });
});
