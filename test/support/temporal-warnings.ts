import { findTestToken } from '../../payments/test-tokens';

/**
 * Temporal SDK warnings a test declares expected: a failure the test causes on purpose (a decline, a provider or a
 * mail server down) makes the SDK log "Activity failed" for every try, which is the behaviour under test, not news.
 * A declaration made inside a test holds until that test ends (test/support/temporal-warnings-scope.ts closes it);
 * one made at a file's top level holds for the file. Records are matched by the time they were made, not the time
 * they are printed (the SDK buffers them), so a late record of one test is never hidden by the next test's
 * declaration. Anything not declared is printed.
 */

interface Expectation {
  readonly pattern: RegExp;
  readonly fromNanos: bigint;
  untilNanos?: bigint;
}

const expectations: Expectation[] = [];

// Epoch nanoseconds from a monotonic clock: Date.now()'s milliseconds made a test ending and the next test's first
// record fall in the same instant on a fast machine, so the ended test's declaration still covered it.
const clockOrigin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
export const nowNanos = (): bigint => clockOrigin + process.hrtime.bigint();

/** The running test's name, or undefined at a file's top level (Jest's expect state; absent outside Jest). */
function currentTestName(): string | undefined {
  const jestExpect = (globalThis as { expect?: { getState?: () => { currentTestName?: string } } }).expect;
  return jestExpect?.getState?.().currentTestName;
}

/** Lines matching any of `patterns` (as printed: "[temporal WARN] message (workflow activity id): why") are expected. */
export function expectTemporalWarnings(...patterns: RegExp[]): void {
  const inTest = currentTestName() !== undefined;
  const open = inTest ? openInTest : expectations.filter((expectation) => expectation.untilNanos === undefined);
  // A failure retried a hundred times declares the same line a hundred times: one declaration covers them all.
  const declared = patterns.filter((pattern) => !open.some((expectation) => expectation.pattern.source === pattern.source)).map((pattern) => ({ pattern, fromNanos: nowNanos() }));
  expectations.push(...declared);
  if (inTest) openInTest.push(...declared);
}

/** Declarations made inside the running test, closed when it ends. */
const openInTest: Expectation[] = [];

/** The running test ended: its declarations no longer cover records made from now on. */
export function closeTestExpectations(): void {
  const now = nowNanos();
  for (const expectation of openInTest.splice(0)) expectation.untilNanos = now;
}

/** Whether a line logged at `timestampNanos` was declared expected by the test (or file) running then. */
export function isExpectedWarning(line: string, timestampNanos: bigint = nowNanos()): boolean {
  return expectations.some(
    ({ pattern, fromNanos, untilNanos }) => timestampNanos >= fromNanos && (untilNanos === undefined || timestampNanos <= untilNanos) && pattern.test(line),
  );
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The SDK's line for a try of `activityType` that failed with `message` (the activity's own words, or a pattern of them). */
export function activityFailed(activityType: string, message: string | RegExp): RegExp {
  const why = typeof message === 'string' ? escaped(message) : message.source;
  return new RegExp(`^\\[temporal WARN\\] Activity failed \\(\\w+ ${escaped(activityType)} [^)]*\\): ${why}$`);
}

/**
 * A call to the payment provider (the stand-in, payments/) that a test's token makes fail: the activity's own warning
 * ("payment authorization failed", "refund failed"), and the SDK's for each try.
 */
function providerCallFailed(activityType: string, ownWarning: string, path: string): RegExp[] {
  return [activityFailed(activityType, new RegExp(`POST ${escaped(path)}\\S*: .+`)), new RegExp(`^\\[temporal WARN\\] ${escaped(ownWarning)} \\(\\w+ ${activityType} `)];
}

/** The after-sale workflow's own word for a refund it gave up on. */
const REFUND_GIVEN_UP = /^\[temporal ERROR\] refund failed: staff must act \(afterSaleWorkflow /;

/** Paying with `paymentToken` makes the stand-in fail what its table says (payments/test-tokens.ts): expected. */
export function expectPaymentFailuresOf(paymentToken: string): void {
  const token = findTestToken(paymentToken);
  if (token?.authorize.kind !== 'approve') expectTemporalWarnings(...providerCallFailed('authorizePayment', 'payment authorization failed', '/v1/authorizations'));
  if (token?.capture.kind === 'decline') expectTemporalWarnings(...providerCallFailed('capturePayment', 'payment capture failed', '/v1/authorizations'));
  if (token !== undefined && token.refund.kind !== 'approve') {
    expectTemporalWarnings(...providerCallFailed('refundPayment', 'refund failed', '/v1/refunds'), ...(token.refund.kind === 'decline' ? [REFUND_GIVEN_UP] : []));
  }
}
