/** The waiting room's estimate (queue/eta.ts): a range from the measured rate that never grows unless the rate drops. */
import { estimateWait, type EtaInput } from '../../queue/eta';

const base: EtaInput = { now: 100_000, startsAt: 40_000, position: 50, waitingCount: 200, admitPerSecond: 20, admittedInWindow: 600, admittedTotal: 600, windowMs: 60_000, last: null };

test('the range is the place over the measured rate, give or take, and never faster than admitPerSecond', () => {
  // 600 admissions over the last 60 s: 10 a second.
  expect(estimateWait(base)).toEqual({ estimatedWait: { minSeconds: 3, maxSeconds: 7 }, rate: 10 });
});

test('a later estimate at the same rate never grows, though the raw one would', () => {
  const later = estimateWait({ ...base, position: 60, last: { minSeconds: 3, maxSeconds: 7, rate: 10 } });
  expect(later).toEqual({ estimatedWait: { minSeconds: 3, maxSeconds: 7 }, rate: 10 });
});

test('when the measured rate drops the estimate may grow, and says why', () => {
  const slower = estimateWait({ ...base, admittedInWindow: 300, last: { minSeconds: 3, maxSeconds: 7, rate: 10 } });
  expect(slower).toEqual({ estimatedWait: { minSeconds: 7, maxSeconds: 13 }, rate: 5, reason: 'ADMISSION_RATE_DROPPED' });
});

test('with no admission in the window nobody can bound the wait: maxSeconds is null', () => {
  expect(estimateWait({ ...base, admittedInWindow: 0, last: { minSeconds: 3, maxSeconds: 7, rate: 10 } })).toMatchObject({ estimatedWait: { maxSeconds: null }, reason: 'ADMISSION_RATE_DROPPED' });
});

test('before the start the place is not drawn: from the start to when the last of those waiting would be admitted', () => {
  expect(estimateWait({ ...base, now: 30_000 })).toEqual({ estimatedWait: { minSeconds: 10, maxSeconds: 20 }, rate: 20, reason: 'DRAW_AT_START' });
});
