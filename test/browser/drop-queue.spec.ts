/**
 * A drop's waiting room in a real browser (issue 26): a buyer joins, sees the place and the ETA range, is admitted,
 * places the order with the ticket; the next buyer of a one-unit drop is told "Sold out" once the unit is sold; a drop
 * not started says when it opens and refuses an order; the console shows each queued drop's line.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { signIn, tokenFor, unique } from './helpers';

interface Drop {
  stock: number;
  saleStartsAt?: string | null;
  queue?: { admitPerSecond: number; maxAdmitted: number } | null;
}

async function createDrop(request: APIRequestContext, name: string, drop: Drop): Promise<{ id: number; sku: string }> {
  const sku = unique('drop');
  const token = await tokenFor(request, 'browser-admin', ['admin']);
  const answer = await request.post('/products', { data: { sku, name, priceCents: 3_000, ...drop }, headers: { authorization: `Bearer ${token}` } });
  expect(answer.status()).toBe(201);
  return { id: ((await answer.json()) as { id: number }).id, sku };
}

/** A buyer the test drives through the API: joins, and polls until admitted (admission runs as buyers visit). */
async function admittedBuyer(request: APIRequestContext, productId: number): Promise<{ bearer: string; ticket: string }> {
  const bearer = `Bearer ${await tokenFor(request, unique('cus-queue-api'), ['customer'])}`;
  const joined = await request.post(`/products/${productId}/queue`, { headers: { authorization: bearer } });
  expect(joined.status()).toBe(201);
  const { ticket } = (await joined.json()) as { ticket: string };
  await expect
    .poll(async () => ((await (await request.get(`/products/${productId}/queue`, { headers: { authorization: bearer, 'Queue-Ticket': ticket } })).json()) as { state: string }).state)
    .toBe('ADMITTED');
  return { bearer, ticket };
}

const QUEUE = { admitPerSecond: 10, maxAdmitted: 10 };

test('a buyer waits in line with a place and an ETA, is admitted, reserves with the ticket; the next buyer sees "Sold out" once the unit is sold', async ({ page, browser, request }) => {
  const { id, sku } = await createDrop(request, 'Queued sneaker', { stock: 1, queue: QUEUE });
  // Someone ahead holds the drop's one admission.
  const ahead = await admittedBuyer(request, id);

  await page.goto('/#/shop');
  await signIn(page, unique('cus-queue'), 'customer');
  const card = page.getByTestId(`product-${sku}`);
  await expect(card.getByTestId('queue-status')).toHaveText('This drop has a waiting room: join the queue to buy.');
  await expect(card.getByRole('button', { name: 'Reserve (once admitted)' })).toBeDisabled();
  await card.getByRole('button', { name: 'Join the queue' }).click();
  await expect(card.getByTestId('queue-status')).toHaveText('In the queue: position 1');
  await expect(card.getByTestId('queue-detail')).toContainText(/^Estimated wait: (about|at least) \d+/);
  // The ticket is kept in the tab's sessionStorage and travels in a header, never in the page's address.
  const stored = JSON.parse(String(await page.evaluate('JSON.stringify({ ...sessionStorage })'))) as Record<string, string>;
  const tickets = Object.entries(stored).filter(([key]) => key.startsWith('queue-ticket:')).map(([, ticket]) => ticket);
  expect(tickets).toHaveLength(1);
  expect(page.url()).not.toContain(tickets[0]);

  // The buyer ahead leaves: the place goes to ours at the next poll.
  expect((await request.delete(`/products/${id}/queue`, { headers: { authorization: ahead.bearer, 'Queue-Ticket': ahead.ticket } })).status()).toBe(204);
  await expect(card.getByTestId('queue-status')).toContainText(/^Your turn: \d+:\d\d left to place your order/, { timeout: 15_000 });
  await card.getByRole('button', { name: 'Reserve', exact: true }).click();
  const order = page.getByTestId('order-panel');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await expect(card.getByTestId('queue-status')).toHaveText('Your admission was used by your order.');

  // A second buyer joins while the unit is held (it could come back): waiting, then "Sold out" once it is paid for.
  const second = await browser.newPage({ baseURL: new URL(page.url()).origin });
  await second.goto('/#/shop');
  await signIn(second, unique('cus-queue-late'), 'customer');
  const lateCard = second.getByTestId(`product-${sku}`);
  await lateCard.getByRole('button', { name: 'Join the queue' }).click();
  await expect(lateCard.getByTestId('queue-status')).toContainText('In the queue');

  await order.getByLabel('Pay with a test token').selectOption('tok_visa');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('status')).toHaveText('CONFIRMED');
  await expect(lateCard.getByTestId('queue-status')).toHaveText('Sold out', { timeout: 15_000 });
  await expect(lateCard.getByRole('button', { name: 'Leave the queue' })).toBeHidden();
  await second.close();
});

test("an admitted buyer checks out a cart holding the drop: the checkout sends the ticket", async ({ page, request }) => {
  const { sku } = await createDrop(request, 'Queued scarf', { stock: 3, queue: QUEUE });
  await page.goto('/#/shop');
  await signIn(page, unique('cus-queue-cart'), 'customer');
  const card = page.getByTestId(`product-${sku}`);
  await card.getByRole('button', { name: 'Add to cart' }).click();
  const cart = page.getByTestId('cart');
  await expect(cart.getByTestId(`cart-line-${sku}`)).toBeVisible();
  // Not admitted yet: the checkout is refused.
  await cart.getByRole('button', { name: 'Checkout' }).click();
  await expect(cart).toContainText('QUEUE_ADMISSION_REQUIRED');

  await card.getByRole('button', { name: 'Join the queue' }).click();
  await expect(card.getByTestId('queue-status')).toContainText(/^Your turn: /, { timeout: 15_000 });
  await cart.getByRole('button', { name: 'Checkout' }).click();
  await expect(page.getByTestId('order-panel').getByTestId('status')).toHaveText('RESERVED');
  await expect(card.getByTestId('queue-status')).toHaveText('Your admission was used by your order.', { timeout: 10_000 });
});

test('a buyer leaves the queue; a drop not started says when it opens and refuses an order (SALE_NOT_STARTED)', async ({ page, request }) => {
  const queued = await createDrop(request, 'Queued hoodie', { stock: 5, queue: QUEUE, saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() });
  const later = await createDrop(request, 'Later cap', { stock: 5, saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() });
  await page.goto('/#/shop');
  await signIn(page, unique('cus-queue-early'), 'customer');

  // Before the start: a place, drawn by lot at the start.
  const queuedCard = page.getByTestId(`product-${queued.sku}`);
  await expect(queuedCard.getByTestId('sale-starts')).toContainText('On sale from');
  await queuedCard.getByRole('button', { name: 'Join the queue' }).click();
  await expect(queuedCard.getByTestId('queue-status')).toHaveText('In the queue: places are drawn by lot at the start');
  await queuedCard.getByRole('button', { name: 'Leave the queue' }).click();
  await expect(queuedCard.getByTestId('queue-status')).toHaveText('You left the queue.');
  await expect(queuedCard.getByRole('button', { name: 'Join the queue' })).toBeVisible();

  const laterCard = page.getByTestId(`product-${later.sku}`);
  await expect(laterCard.getByTestId('sale-starts')).toContainText('On sale from');
  await laterCard.getByRole('button', { name: 'Reserve' }).click();
  await expect(page.getByTestId('order-panel').getByRole('alert')).toContainText('SALE_NOT_STARTED');
});

test("the console shows each queued drop's line: waiting, admitted, admission rate, lapsed", async ({ page, request }) => {
  const { id, sku } = await createDrop(request, 'Console drop', { stock: 1, queue: QUEUE });
  await page.goto('/#/console');
  await signIn(page, 'ops-queue', 'staff');
  const row = page.getByTestId('console-queues').getByTestId(`queue-${sku}`);
  await expect(row.getByTestId('waiting')).toHaveText('0');
  await expect(row.getByTestId('admitted')).toHaveText('0');

  await admittedBuyer(request, id);
  const bearer = `Bearer ${await tokenFor(request, unique('cus-queue-wait'), ['customer'])}`;
  expect((await request.post(`/products/${id}/queue`, { headers: { authorization: bearer } })).status()).toBe(201);

  await expect(row.getByTestId('waiting')).toHaveText('1');
  await expect(row.getByTestId('admitted')).toHaveText('1');
  await expect(row.getByTestId('admissions')).toHaveText('1');
  await expect(row.getByTestId('admission-rate')).toHaveText('0.02/s');
  await expect(row.getByTestId('lapsed')).toHaveText('0');
});
