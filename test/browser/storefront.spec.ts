/** The storefront in a real browser against the real stack: reserve, countdown, a decline then a success, an expiry. */
import { expect, test } from '@playwright/test';
import { createProduct, PHONE, screenshot, signIn, unique } from './helpers';

test('the page loads without an error in the browser console', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/', { waitUntil: 'networkidle' });
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a buyer reserves, sees the countdown, is declined with tok_chargeDeclined, pays with tok_visa and sees CONFIRMED', async ({ page, request }) => {
  const sku = unique('tee');
  await createProduct(request, { sku, name: 'Drop tee (limited)', priceCents: 2_900, stock: 5 });
  await createProduct(request, { sku: unique('cap'), name: 'Drop cap', priceCents: 1_900, stock: 3 });

  await page.goto('/');
  await signIn(page, unique('cus-ana'), 'customer');
  const card = page.getByTestId(`product-${sku}`);
  await expect(card.getByTestId('available')).toHaveText('5 of 5 left');
  await card.getByLabel('Quantity').fill('2');
  await card.getByRole('button', { name: 'Reserve' }).click();

  const order = page.getByTestId('order-panel');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await expect(order.getByTestId('countdown')).toContainText(/Held for you: 0:\d\d left/);
  await expect(card.getByTestId('available')).toHaveText('3 of 5 left');

  await order.getByLabel('Pay with a test token').selectOption('tok_chargeDeclined');
  await expect(order.getByText('The bank refuses the card')).toBeVisible();
  await screenshot(page, 'storefront-desktop-reserved');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('order-message')).toContainText('PAYMENT_DECLINED');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');

  await order.getByLabel('Pay with a test token').selectOption('tok_visa');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('status')).toHaveText('CONFIRMED');
  await expect(page.getByTestId('my-orders')).toContainText('CONFIRMED');
  await screenshot(page, 'storefront-desktop-confirmed');

  await page.setViewportSize(PHONE);
  await screenshot(page, 'storefront-phone-confirmed');
});

test("another buyer's hold expires and the page shows EXPIRED", async ({ page, request }) => {
  const sku = unique('hoodie');
  await createProduct(request, { sku, name: 'Drop hoodie', priceCents: 5_900, stock: 2 });
  await page.setViewportSize(PHONE);
  await page.goto('/');
  await signIn(page, unique('cus-ben'), 'customer');
  const card = page.getByTestId(`product-${sku}`);
  await card.getByRole('button', { name: 'Reserve' }).click();

  const order = page.getByTestId('order-panel');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await expect(order.getByTestId('countdown')).toBeVisible();
  await screenshot(page, 'storefront-phone-reserved');
  // The stack holds reservations for 20 s (RESERVATION_TTL): the durable timer releases it, the page follows.
  await expect(order.getByTestId('status')).toHaveText('EXPIRED', { timeout: 60_000 });
  await expect(order).toContainText('The hold ended before payment');
  await expect(card.getByTestId('available')).toHaveText('2 of 2 left');
});
