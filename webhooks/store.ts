/**
 * Webhook endpoints, events, deliveries and attempts in MySQL. recordEvent runs inside the order record's
 * transaction (an outbox): an event exists exactly when the status that caused it was recorded, and a delivery row
 * per subscribed endpoint names what the delivery workflows must do.
 */
import type { MikroORM } from '@mikro-orm/core';
import { mysqlUtc } from '../db/sql';
import { forkSql, run, select, type Db } from '../db/sql';
import type { WebhookEvent, WebhookEventType } from './events';

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'CANCELLED';

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

interface EndpointRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | Date | null;
  created_at: string | Date;
}

const subscriptionPattern = (type: WebhookEventType) => `%,${type},%`;
const toIso = (value: string | Date): string => (value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`)).toISOString();

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return { id: row.id, url: row.url, events: row.events.split(',').filter(Boolean) as WebhookEventType[], createdAt: toIso(row.created_at) };
}

export async function createEndpoint(orm: MikroORM, endpoint: { id: string; url: string; events: WebhookEventType[]; secret: string }): Promise<WebhookEndpoint> {
  const em = forkSql(orm);
  await run(em, 'INSERT INTO webhook_endpoint (id, url, events, secret) VALUES (?, ?, ?, ?)', [
    endpoint.id,
    endpoint.url,
    `,${endpoint.events.join(',')},`,
    endpoint.secret,
  ]);
  return (await findEndpoint(orm, endpoint.id))!;
}

export async function listEndpoints(orm: MikroORM): Promise<WebhookEndpoint[]> {
  const rows = await select<EndpointRow>(forkSql(orm), 'SELECT * FROM webhook_endpoint WHERE deleted_at IS NULL ORDER BY created_at, id');
  return rows.map(toEndpoint);
}

export async function findEndpoint(orm: MikroORM, id: string): Promise<WebhookEndpoint | undefined> {
  const [row] = await select<EndpointRow>(forkSql(orm), 'SELECT * FROM webhook_endpoint WHERE id = ? AND deleted_at IS NULL', [id]);
  return row ? toEndpoint(row) : undefined;
}

/** Soft delete: its deliveries log stays readable to the database, and deliveries still running stop at their next attempt. */
export async function deleteEndpoint(orm: MikroORM, id: string): Promise<boolean> {
  const result = await run(forkSql(orm), 'UPDATE webhook_endpoint SET deleted_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND deleted_at IS NULL', [id]);
  return result.affectedRows > 0;
}

/** The new secret signs from now on; the old one also signs until `graceUntil`, so receivers can switch without a gap. */
export async function rotateSecret(orm: MikroORM, id: string, secret: string, graceUntil: Date): Promise<boolean> {
  const result = await run(
    forkSql(orm),
    `UPDATE webhook_endpoint SET previous_secret = secret, previous_secret_until = ?, secret = ? WHERE id = ? AND deleted_at IS NULL`,
    [graceUntil, secret, id],
  );
  return result.affectedRows > 0;
}

/**
 * Records the event and one PENDING delivery per endpoint subscribed to its type, in the caller's transaction.
 * Nothing is written when no endpoint subscribes. Repeats (a retried recording step) change nothing: the event keeps
 * its first payload and timestamp. Answers whether the event is recorded (now or by an earlier attempt): when it is
 * not, it has no deliveries to start. Every status an order records comes through here, and no subscriber is the
 * common case: it costs two statements, and nothing after the commit.
 */
export async function recordEvent(em: Db, event: WebhookEvent): Promise<boolean> {
  const pattern = subscriptionPattern(event.type);
  const inserted = await run(
    em,
    `INSERT INTO webhook_event (id, type, payload)
     SELECT ?, ?, ? FROM DUAL WHERE EXISTS (SELECT 1 FROM webhook_endpoint WHERE deleted_at IS NULL AND events LIKE ?)
     ON DUPLICATE KEY UPDATE id = id`,
    [event.id, event.type, event.payload, pattern],
  );
  // No endpoint subscribes now; an earlier attempt may still have recorded the event, for an endpoint deleted since,
  // whose deliveries must still be started (to end). A plain read: it locks nothing, so concurrent recordings of
  // other events never wait on it. (Asked inside the insert above, it would take a shared gap lock on webhook_event.)
  if (inserted.affectedRows === 0) {
    const [earlier] = await select<{ id: string }>(em, 'SELECT id FROM webhook_event WHERE id = ?', [event.id]);
    if (!earlier) return false;
  }
  await run(
    em,
    `INSERT INTO webhook_delivery (event_id, endpoint_id)
     SELECT ?, endpoint.id FROM webhook_endpoint endpoint
     WHERE endpoint.deleted_at IS NULL AND endpoint.events LIKE ? AND EXISTS (SELECT 1 FROM webhook_event WHERE id = ?)
     ON DUPLICATE KEY UPDATE event_id = webhook_delivery.event_id`,
    [event.id, pattern, event.id],
  );
  return true;
}

/**
 * Whether recording these events would write anything: an endpoint subscribes to one of their types, or an earlier
 * attempt recorded one of them. One plain read (it locks nothing). False, the common case, lets the caller record the
 * status alone without a transaction; an endpoint that subscribes after this read is as one that subscribed after the
 * status was recorded.
 */
export async function anySubscribedOrRecorded(db: Db, events: readonly WebhookEvent[]): Promise<boolean> {
  if (events.length === 0) return false;
  const types = events.map((event) => event.type);
  const [row] = await select<{ any: number | string }>(
    db,
    `SELECT EXISTS (SELECT 1 FROM webhook_endpoint WHERE deleted_at IS NULL AND (${types.map(() => 'events LIKE ?').join(' OR ')}))
         OR EXISTS (SELECT 1 FROM webhook_event WHERE id IN (${events.map(() => '?').join(', ')})) AS \`any\``,
    [...types.map(subscriptionPattern), ...events.map((event) => event.id)],
  );
  return Number(row.any) === 1;
}

export async function pendingDeliveries(orm: MikroORM, eventId: string): Promise<string[]> {
  const rows = await select<{ endpoint_id: string }>(forkSql(orm), "SELECT endpoint_id FROM webhook_delivery WHERE event_id = ? AND status = 'PENDING'", [
    eventId,
  ]);
  return rows.map((row) => row.endpoint_id);
}

export interface DeliveryTarget {
  status: DeliveryStatus;
  payload: string;
  url: string;
  secrets: string[];
  endpointActive: boolean;
}

/** What one attempt needs: the stored payload, the endpoint's URL and the secrets that sign now (new, then old). */
export async function loadDeliveryTarget(orm: MikroORM, eventId: string, endpointId: string): Promise<DeliveryTarget | undefined> {
  const [row] = await select<{
    status: DeliveryStatus;
    payload: string;
    url: string;
    secret: string;
    previous_secret: string | null;
    previous_secret_until: string | Date | null;
    deleted_at: string | null;
  }>(
    forkSql(orm),
    `SELECT delivery.status, event.payload, endpoint.url, endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_until, endpoint.deleted_at
     FROM webhook_delivery delivery
     JOIN webhook_event event ON event.id = delivery.event_id
     JOIN webhook_endpoint endpoint ON endpoint.id = delivery.endpoint_id
     WHERE delivery.event_id = ? AND delivery.endpoint_id = ?`,
    [eventId, endpointId],
  );
  if (!row) return undefined;
  const graceOpen = row.previous_secret !== null && row.previous_secret_until !== null && new Date(toIso(row.previous_secret_until)) > new Date();
  return {
    status: row.status,
    payload: row.payload,
    url: row.url,
    secrets: graceOpen ? [row.secret, row.previous_secret!] : [row.secret],
    endpointActive: row.deleted_at === null,
  };
}

export interface AttemptRecord {
  eventId: string;
  endpointId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One row per attempt that got an answer or an error; the delivery row keeps the count and the latest outcome. */
export async function recordAttempt(orm: MikroORM, attempt: AttemptRecord, delivered: boolean): Promise<void> {
  await forkSql(orm).transactional(async (em) => {
    await run(em, 'INSERT INTO webhook_attempt (event_id, endpoint_id, attempt, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)', [
      attempt.eventId,
      attempt.endpointId,
      attempt.attempt,
      attempt.statusCode,
      attempt.error?.slice(0, 500) ?? null,
      attempt.durationMs,
    ]);
    await run(
      em,
      `UPDATE webhook_delivery SET attempts = attempts + 1, last_status_code = ?, last_error = ?,
         delivered_at = IF(? AND delivered_at IS NULL, CURRENT_TIMESTAMP(3), delivered_at),
         status = IF(?, 'DELIVERED', status)
       WHERE event_id = ? AND endpoint_id = ?`,
      [attempt.statusCode, attempt.error?.slice(0, 500) ?? null, delivered, delivered, attempt.eventId, attempt.endpointId],
    );
  });
}

/** The end of a delivery that did not succeed: FAILED once the retries are spent, CANCELLED when the endpoint went. */
export async function closeDelivery(orm: MikroORM, eventId: string, endpointId: string, status: 'FAILED' | 'CANCELLED'): Promise<void> {
  await run(forkSql(orm), "UPDATE webhook_delivery SET status = ? WHERE event_id = ? AND endpoint_id = ? AND status = 'PENDING'", [
    status,
    eventId,
    endpointId,
  ]);
}

export interface DeliveryLogEntry {
  eventId: string;
  type: WebhookEventType;
  status: DeliveryStatus;
  createdAt: string;
  deliveredAt: string | null;
  attempts: Array<{ attempt: number; statusCode: number | null; error: string | null; durationMs: number; at: string }>;
}

/** Where a delivery stands in an endpoint's log, newest first: a page's cursor. */
export interface DeliveryPosition {
  createdAt: Date;
  eventId: string;
}

/**
 * The endpoint's deliveries, newest first (as old: larger event id first), at most `limit`, only those after `after`
 * when given; each with its attempts oldest first.
 */
export async function deliveryLog(
  orm: MikroORM,
  endpointId: string,
  limit: number,
  after?: DeliveryPosition,
): Promise<DeliveryLogEntry[]> {
  const em = forkSql(orm);
  const afterClause = after ? 'AND (delivery.created_at < ? OR (delivery.created_at = ? AND delivery.event_id < ?))' : '';
  const afterParams = after ? [mysqlUtc(after.createdAt), mysqlUtc(after.createdAt), after.eventId] : [];
  const deliveries = await select<{ event_id: string; type: WebhookEventType; status: DeliveryStatus; created_at: string | Date; delivered_at: string | Date | null }>(
    em,
    `SELECT delivery.event_id, event.type, delivery.status, delivery.created_at, delivery.delivered_at
     FROM webhook_delivery delivery JOIN webhook_event event ON event.id = delivery.event_id
     WHERE delivery.endpoint_id = ? ${afterClause} ORDER BY delivery.created_at DESC, delivery.event_id DESC LIMIT ?`,
    [endpointId, ...afterParams, limit],
  );
  if (deliveries.length === 0) return [];
  const attempts = await select<{ event_id: string; attempt: number; status_code: number | null; error: string | null; duration_ms: number; created_at: string | Date }>(
    em,
    `SELECT event_id, attempt, status_code, error, duration_ms, created_at FROM webhook_attempt
     WHERE endpoint_id = ? AND event_id IN (${deliveries.map(() => '?').join(', ')}) ORDER BY id`,
    [endpointId, ...deliveries.map((delivery) => delivery.event_id)],
  );
  return deliveries.map((delivery) => ({
    eventId: delivery.event_id,
    type: delivery.type,
    status: delivery.status,
    createdAt: toIso(delivery.created_at),
    deliveredAt: delivery.delivered_at === null ? null : toIso(delivery.delivered_at),
    attempts: attempts
      .filter((attempt) => attempt.event_id === delivery.event_id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        statusCode: attempt.status_code,
        error: attempt.error,
        durationMs: attempt.duration_ms,
        at: toIso(attempt.created_at),
      })),
  }));
}
