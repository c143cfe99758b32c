/**
 * The estimate a waiting buyer is given: a range of seconds from the admission rate measured over the last minute
 * (admissions ÷ the time they took). For one buyer it never grows from one poll to the next unless the measured rate
 * itself dropped; then the answer says so (`reason`). Before the start the place is not drawn yet: the range runs
 * from the start to when the last of those waiting would be admitted at admitPerSecond.
 */
export interface EtaInput {
  now: number;
  startsAt: number;
  /** 1-based place among the waiting; unused before the start. */
  position: number;
  waitingCount: number;
  admitPerSecond: number;
  /** Admissions in the measuring window, and every admission of the drop so far. */
  admittedInWindow: number;
  admittedTotal: number;
  windowMs: number;
  /** The last estimate this buyer was given after the start, if any. */
  last: RememberedEta | null;
}

export interface RememberedEta {
  minSeconds: number;
  maxSeconds: number | null;
  rate: number;
}

export type EtaReason = 'DRAW_AT_START' | 'ADMISSION_RATE_DROPPED';

export interface Eta {
  estimatedWait: { minSeconds: number; maxSeconds: number | null };
  rate: number;
  reason?: EtaReason;
}

/** How far the rate may turn out faster or slower than measured, in the range given. */
const FASTER = 1.25;
const SLOWER = 0.8;

export function estimateWait(input: EtaInput): Eta {
  const { now, startsAt, position, admitPerSecond } = input;
  if (now < startsAt) {
    const untilStart = Math.ceil((startsAt - now) / 1000);
    return { estimatedWait: { minSeconds: untilStart, maxSeconds: untilStart + Math.ceil(input.waitingCount / admitPerSecond) }, rate: admitPerSecond, reason: 'DRAW_AT_START' };
  }
  const measuredSeconds = Math.min(input.windowMs, Math.max(1_000, now - startsAt)) / 1000;
  // Before the first admission there is nothing to measure: the configured pace is the best guess.
  const rate = input.admittedTotal === 0 ? admitPerSecond : input.admittedInWindow / measuredSeconds;
  let minSeconds: number;
  let maxSeconds: number | null;
  if (rate > 0) {
    minSeconds = Math.floor((position - 1) / Math.min(admitPerSecond, rate * FASTER));
    maxSeconds = Math.ceil(position / (rate * SLOWER));
  } else {
    // No admission in the window: the line moves only when units come back, and nobody can say when.
    minSeconds = Math.floor((position - 1) / admitPerSecond);
    maxSeconds = null;
  }
  const { last } = input;
  if (last && rate < last.rate) return { estimatedWait: { minSeconds, maxSeconds }, rate, reason: 'ADMISSION_RATE_DROPPED' };
  if (last) {
    minSeconds = Math.min(minSeconds, last.minSeconds);
    if (last.maxSeconds !== null) maxSeconds = maxSeconds === null ? last.maxSeconds : Math.min(maxSeconds, last.maxSeconds);
  }
  return { estimatedWait: { minSeconds: Math.min(minSeconds, maxSeconds ?? minSeconds), maxSeconds }, rate };
}

export const encodeEta = (eta: Eta): string => `${eta.estimatedWait.minSeconds},${eta.estimatedWait.maxSeconds ?? -1},${eta.rate}`;

export function decodeEta(text: string): RememberedEta | null {
  if (text === '') return null;
  const [minSeconds, maxSeconds, rate] = text.split(',').map(Number);
  return { minSeconds, maxSeconds: maxSeconds < 0 ? null : maxSeconds, rate };
}
