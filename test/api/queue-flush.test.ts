/**
 * A Redis flush in the middle of a queued drop (issue 26, I9): the admissions come back from MySQL, the line comes
 * back from the signed tickets as buyers poll, and nobody is admitted until every buyer still polling is back in line.
 * So no more buyers are admitted than units, an admitted buyer keeps the admission, and nobody skips the line.
 */
import { eventually, sleep, unique, type Answer } from './http';
import { serviceForThisFile } from './service-per-file';
import { buyer } from '../support/auth';
import { queueKeys } from '../../queue/keys';

const POLL_MAX_SECONDS = 1;
const stack = serviceForThisFile({ holdMs: 60_000, queue: { pollMaxSeconds: POLL_MAX_SECONDS } });

const join = (productId: number, sub: string) => stack.api.post(`/products/${productId}/queue`, undefined, { as: buyer(sub) });
const poll = (productId: number, sub: string, ticket: string) => stack.api.get(`/products/${productId}/queue`, { as: buyer(sub), headers: { 'Queue-Ticket': ticket } });
const admittedInRedis = (productId: number) => stack.service.redis.zcard(queueKeys(productId).admitted);

test('after a flush mid-drop, admissions stay bounded by the units, admitted buyers keep theirs, and nobody skips the line', async () => {
  const created = await stack.api.post('/products', { sku: unique('flush'), name: 'Flushed drop', priceCents: 2_000, stock: 2, queue: { admitPerSecond: 100, maxAdmitted: 100 } });
  const productId: number = created.body.id;
  const buyers = Array.from({ length: 5 }, (_, index) => unique(`flush-${index}`));
  const tickets: string[] = [];
  for (const sub of buyers) tickets.push((await join(productId, sub)).body.ticket);
  const stateOf = async (index: number) => ((await poll(productId, buyers[index], tickets[index])) as Answer).body;
  expect((await stateOf(0)).state).toBe('ADMITTED');
  expect((await stateOf(1)).state).toBe('ADMITTED');

  await stack.service.redis.flushdb();

  // The last in line asks first: the two admissions MySQL recorded still fill both units, so not them.
  expect((await stateOf(4)).state).toBe('WAITING');
  expect((await stateOf(0)).state).toBe('ADMITTED');
  expect(await admittedInRedis(productId)).toBe(2);
  // One admitted buyer gives up: the unit goes to the first in line (buyer 2), although buyer 4 asked before them.
  expect((await stack.api.call('DELETE', `/products/${productId}/queue`, { as: buyer(buyers[1]), headers: { 'Queue-Ticket': tickets[1] } })).status).toBe(204);
  expect((await stateOf(4)).state).toBe('WAITING');
  expect((await stateOf(3)).state).toBe('WAITING');
  expect((await stateOf(2)).state).toBe('WAITING');
  await sleep(2 * POLL_MAX_SECONDS * 1000);
  await eventually(async () => expect((await stateOf(2)).state).toBe('ADMITTED'));
  expect(await stateOf(3)).toMatchObject({ state: 'WAITING', position: 1 });
  expect(await stateOf(4)).toMatchObject({ state: 'WAITING', position: 2 });
  expect(await admittedInRedis(productId)).toBeLessThanOrEqual(2);

  // The admission recorded before the flush still places its one order.
  const placed = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(buyers[0]), headers: { 'Queue-Ticket': tickets[0] } });
  expect(placed.status).toBe(201);
});
