/** The console's window parameter: its pattern alone holds the bounds, 1 minute to 7 days, in any unit. */
import { summaryQuerySchema } from '../../api/validation';

const seconds = (window?: string) => {
  const parsed = summaryQuerySchema.safeParse(window === undefined ? {} : { window });
  return parsed.success ? parsed.data.window : 'refused';
};

test('accepts every duration from 1m to 7d, and reads it in seconds', () => {
  expect([seconds('60s'), seconds('604800s'), seconds('1m'), seconds('10080m'), seconds('1h'), seconds('168h'), seconds('1d'), seconds('7d')]).toEqual([
    60, 604_800, 60, 604_800, 3_600, 604_800, 86_400, 604_800,
  ]);
  expect([seconds('99s'), seconds('100s'), seconds('9999s'), seconds('99999s'), seconds('599999s'), seconds('604799s'), seconds('10079m'), seconds('159h')]).toEqual([
    99, 100, 9_999, 99_999, 599_999, 604_799, 604_740, 572_400,
  ]);
  expect(seconds()).toBe(900);
});

test('refuses what lies outside, and leading zeros', () => {
  for (const window of ['59s', '604801s', '0m', '10081m', '169h', '0d', '8d', '015m', '1w', '', '1.5h']) expect({ window, seconds: seconds(window) }).toEqual({ window, seconds: 'refused' });
});
