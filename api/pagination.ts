import './openapi/zod-extension';
import { z } from 'zod';
import { Problem } from './problem';

/**
 * Cursor pagination for list routes: a page of at most `limit` items and a `nextCursor` naming where the next page
 * starts (null on the last page). A cursor is opaque to clients (base64url JSON of the last item's sort key), so a
 * page never shifts when rows are added before it, as an offset would.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** Query parameters are text: whole numbers in plain decimal only (no `1e1`, `0x10`, `+5` or `05`). */
export const decimalInteger = (min: number, max: number) =>
  z
    .string()
    // The pattern states the lower bound too (the OpenAPI document carries the pattern, not the transformed bound).
    .regex(min >= 1 ? /^[1-9][0-9]{0,15}$/ : /^(0|[1-9][0-9]{0,15})$/, `must be a whole number from ${min} to ${max} in decimal digits, without sign or leading zeros`)
    .transform(Number)
    .pipe(z.int().min(min).max(max));

export const pageQuery = {
  limit: decimalInteger(1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'is not a cursor from an earlier page').optional(),
};

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a cursor names, or a 400 naming query.cursor when it is not one this API made. */
export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string): T {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) {
    const reason = 'is not a cursor from an earlier page';
    throw new Problem('VALIDATION_FAILED', `query.cursor ${reason}`, { field: 'query.cursor', errors: [{ field: 'query.cursor', reason }] });
  }
  return parsed.data;
}

/** Rows were read with limit + 1: the extra row only tells that another page exists. */
export function toPage<R, T>(rows: R[], limit: number, toItem: (row: R) => T, positionOf: (row: R) => unknown): Page<T> {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { data: items.map(toItem), nextCursor: hasMore ? encodeCursor(positionOf(items[items.length - 1])) : null };
}
