/** Coupons in a real browser: a buyer claims a drop's coupon and applies it at checkout; the console counts it. */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { createProduct, signIn, tokenFor, unique } from './helpers';

const money = (cents: number) => new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(cents / 100);
const newCode = () => unique('DROP').toUpperCase().replace(/[^A-Z0-9]/g, '');

async function createCoupon(request: APIRequestContext, coupon: { code: string; name: string; percentOff: number; quantity: number }): Promise<void> {
  const token = await tokenFor(request, 'browser-admin', ['admin']);
  const answer = await request.post('/coupons', { data: coupon, headers: { authorization: `Bearer ${token}` } });
  expect(answer.status()).toBe(201);
}

test("a buyer claims the drop's coupon, applies it at checkout, sees the discount and the total after it, and pays that", async ({ page, request }) => {
  const code = newCode();
  const sku = unique('coupon-tee');
  await createProduct(request, { sku, name: 'Coupon tee', priceCents: 2_000, stock: 5 });
  await createCoupon(request, { code, name: 'Drop quarter off', percentOff: 25, quantity: 10 });

  await page.goto(`/#/shop?coupon=${code}`);
  await signIn(page, unique('cus-coupon'), 'customer');
  const coupons = page.getByTestId('coupons');
  await expect(coupons.getByTestId('coupon-offer')).toContainText(`This drop has coupon ${code}`);
  await expect(coupons.getByLabel('Coupon code')).toHaveValue(code);
  await coupons.getByRole('button', { name: 'Claim' }).click();
  await expect(coupons.getByTestId('coupon-message')).toContainText(`Claimed ${code}: 25% off`);
  await expect(coupons.getByTestId(`my-coupon-${code}`)).toContainText('Drop quarter off');
  // Claiming it again is refused: one per buyer.
  await coupons.getByRole('button', { name: 'Claim' }).click();
  await expect(coupons.getByTestId('coupon-message')).toContainText('COUPON_ALREADY_CLAIMED');

  await coupons.getByLabel('Apply at checkout').selectOption(code);
  await page.getByTestId(`product-${sku}`).getByRole('button', { name: 'Add to cart' }).click();
  const cart = page.getByTestId('cart');
  await expect(cart.getByTestId(`cart-line-${sku}`)).toBeVisible();
  await cart.getByLabel('Quantity of Coupon tee').fill('2');
  await cart.getByLabel('Quantity of Coupon tee').press('Enter');
  await expect(cart.getByTestId('cart-total')).toHaveText(`Estimated total: ${money(4_000)}`);
  await cart.getByRole('button', { name: 'Checkout' }).click();

  const order = page.getByTestId('order-panel');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await expect(order.getByTestId('order-discount')).toHaveText(`Coupon ${code}: ${money(1_000)} off ${money(4_000)}; you pay ${money(3_000)}`);
  await expect(order).toContainText(`total ${money(3_000)}`);
  // The order holds the claim: it is no longer the buyer's to apply.
  await expect(coupons.getByTestId(`my-coupon-${code}`)).toHaveCount(0);

  await order.getByLabel('Pay with a test token').selectOption('tok_visa');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('status')).toHaveText('CONFIRMED');
  await expect(page.getByTestId('my-orders')).toContainText(money(3_000));
});

test('the console shows each coupon issued, redeemed and remaining as buyers claim and use it', async ({ page, request }) => {
  const code = newCode();
  const productId = await createProduct(request, { sku: unique('coupon-cap'), name: 'Coupon cap', priceCents: 1_000, stock: 5 });
  await createCoupon(request, { code, name: 'Console drop', percentOff: 10, quantity: 3 });
  await page.goto('/#/console');
  await signIn(page, 'ops-coupons', 'staff');
  const row = page.getByTestId('console-coupons').getByTestId(`coupon-${code}`);
  await expect(row.getByTestId('issued')).toHaveText('0 of 3');
  await expect(row.getByTestId('remaining')).toHaveText('3');

  // Two buyers claim it; one orders with it.
  const buyers = await Promise.all([unique('cus-console-coupon'), unique('cus-console-coupon')].map((sub) => tokenFor(request, sub, ['customer'])));
  for (const token of buyers) expect((await request.post(`/coupons/${code}/claims`, { headers: { authorization: `Bearer ${token}` } })).status()).toBe(201);
  const placed = await request.post('/orders', { data: { items: [{ productId, quantity: 1 }], couponCode: code }, headers: { authorization: `Bearer ${buyers[0]}` } });
  expect(placed.status()).toBe(201);

  await expect(row.getByTestId('issued')).toHaveText('2 of 3');
  await expect(row.getByTestId('redeemed')).toHaveText('1');
  await expect(row.getByTestId('remaining')).toHaveText('1');

  // Cancelled, the order gives its claim back: redeemed falls, issued stays.
  const { id } = (await placed.json()) as { id: string };
  expect((await request.post(`/orders/${id}/cancel`, { headers: { authorization: `Bearer ${buyers[0]}` } })).status()).toBe(200);
  await expect(row.getByTestId('redeemed')).toHaveText('0');
  await expect(row.getByTestId('issued')).toHaveText('2 of 3');
});
