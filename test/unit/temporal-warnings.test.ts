/** The quiet test logger hides only what the running test declared expected, and only while that test runs. */
import { activityFailed, expectTemporalWarnings, isExpectedWarning, nowNanos } from '../support/temporal-warnings';

const DECLINED = '[temporal WARN] Activity failed (orderWorkflow authorizePayment ord_1): card declined';
const OTHER_ACTIVITY = '[temporal WARN] Activity failed (orderWorkflow capturePayment ord_1): card declined';
const OTHER_REASON = '[temporal WARN] Activity failed (orderWorkflow authorizePayment ord_1): socket hang up';

describe('expected Temporal warnings', () => {
  let declaredAt = 0n;

  test('a line the test declared is hidden; the same failure of another activity, or another failure, is printed', () => {
    expectTemporalWarnings(activityFailed('authorizePayment', 'card declined'));
    declaredAt = nowNanos();
    expect(isExpectedWarning(DECLINED)).toBe(true);
    expect(isExpectedWarning(OTHER_ACTIVITY)).toBe(false);
    expect(isExpectedWarning(OTHER_REASON)).toBe(false);
  });

  test('a declaration ends with its test: the next test prints the line, though a record made during the first stays hidden', () => {
    expect(isExpectedWarning(DECLINED)).toBe(false);
    expect(isExpectedWarning(DECLINED, declaredAt)).toBe(true);
  });

  test('a record made before the declaration is printed', () => {
    const before = nowNanos() - 1_000_000n;
    expectTemporalWarnings(activityFailed('capturePayment', 'card declined'));
    expect(isExpectedWarning(OTHER_ACTIVITY, before)).toBe(false);
    expect(isExpectedWarning(OTHER_ACTIVITY)).toBe(true);
  });
});
