/**
 * The stand-in's books survive a restart, as a real provider's do: authorisations, their states and every
 * idempotent answer are in its journal file, so after a restart a capture of an earlier authorisation works and a
 * retried request is replayed rather than run again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPaymentsApp } from '../../payments/app';
import { Journal } from '../../payments/journal';
import { TEST_PAYMENTS_API_KEY } from '../support/payments-keys';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'payments-durable-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(dataFile: string): Promise<{ baseUrl: string; stop: () => Promise<void> }> {
  const server: Server = createServer(createPaymentsApp({ apiKeys: [TEST_PAYMENTS_API_KEY], dataFile }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function post(baseUrl: string, path: string, key: string, body: unknown = {}) {
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: (await response.json()) as any };
}

test('after a restart the stand-in knows every authorisation, replays every answer, and captures what it authorised', async () => {
  const dataFile = join(dir, 'ledger.jsonl');
  const authorize = { amountCents: 1_500, currency: 'EUR', reference: 'ord_durable', paymentToken: 'tok_visa' };
  const first = await start(dataFile);
  const authorized = await post(first.baseUrl, '/v1/authorizations', 'ord_durable:authorize:1', authorize);
  expect(authorized.status).toBe(201);
  const voidedElsewhere = await post(first.baseUrl, '/v1/authorizations', 'ord_other:authorize:1', { ...authorize, reference: 'ord_other' });
  await post(first.baseUrl, `/v1/authorizations/${voidedElsewhere.body.id}/void`, 'ord_other:void');
  await first.stop();

  const second = await start(dataFile);
  try {
    const replay = await post(second.baseUrl, '/v1/authorizations', 'ord_durable:authorize:1', authorize);
    expect(replay).toMatchObject({ status: 201, replayed: 'true', body: { id: authorized.body.id } });
    const ledger = (await (await fetch(`${second.baseUrl}/v1/ledger`, { headers: { authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` } })).json()) as { authorizations: Array<{ id: string; status: string }> };
    expect(ledger.authorizations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: authorized.body.id, status: 'authorized' }),
        expect.objectContaining({ id: voidedElsewhere.body.id, status: 'voided' }),
      ]),
    );
    expect(ledger.authorizations).toHaveLength(2);

    const captured = await post(second.baseUrl, `/v1/authorizations/${authorized.body.id}/capture`, 'ord_durable:capture');
    expect(captured).toMatchObject({ status: 200, body: { status: 'captured', capturedAmountCents: 1_500 } });
  } finally {
    await second.stop();
  }
});

test('a line torn by a crash mid-write is cut at the next start, so what is written after it is read at the start after that', () => {
  const path = join(dir, 'torn.jsonl');
  writeFileSync(path, `${JSON.stringify({ n: 1 })}\n${JSON.stringify({ n: 2 })}\n{"n":3,"answ`);

  const reopened = Journal.open<{ n: number }>(path);
  expect(reopened.entries).toEqual([{ n: 1 }, { n: 2 }]);
  reopened.journal.append({ n: 4 });

  expect(Journal.open<{ n: number }>(path).entries).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }]);
  expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":4}\n');
});

test('partial refunds are in the journal: after a restart the refunded total stands and a retried refund is replayed', async () => {
  const dataFile = join(dir, 'refunds.jsonl');
  const first = await start(dataFile);
  const { body: authorization } = await post(first.baseUrl, '/v1/authorizations', 'ord_r:authorize:1', {
    amountCents: 1_000,
    reference: 'ord_r',
    paymentToken: 'tok_visa',
  });
  await post(first.baseUrl, `/v1/authorizations/${authorization.id}/capture`, 'ord_r:capture');
  const refund = { authorizationId: authorization.id, amountCents: 600 };
  const refunded = await post(first.baseUrl, '/v1/refunds', 'rf_durable', refund);
  expect(refunded.status).toBe(201);
  await first.stop();

  const second = await start(dataFile);
  try {
    expect(await post(second.baseUrl, '/v1/refunds', 'rf_durable', refund)).toMatchObject({ status: 201, replayed: 'true', body: refunded.body });
    const after = (await (await fetch(`${second.baseUrl}/v1/authorizations/${authorization.id}`, { headers: { authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` } })).json()) as { refundedAmountCents: number };
    expect(after.refundedAmountCents).toBe(600);
    expect((await post(second.baseUrl, '/v1/refunds', 'rf_more', { ...refund, amountCents: 401 })).body.error.code).toBe('amount_too_large');
    expect((await (await fetch(`${second.baseUrl}/v1/refunds/${refunded.body.id}`, { headers: { authorization: `Bearer ${TEST_PAYMENTS_API_KEY}` } })).json()) as object).toEqual(refunded.body);
  } finally {
    await second.stop();
  }
});
