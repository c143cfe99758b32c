/** The open shop in a real browser against the real stack: a visitor browses and searches; a buyer's cart and checkout. */
import { expect, test, type Page } from '@playwright/test';
import { createProduct, signIn, tokenFor, unique } from './helpers';

const money = (cents: number) => new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(cents / 100);

test('a visitor who never signed in sees products, prices and availability, searches, and is asked to sign in only to buy', async ({ page, request }) => {
  const tag = unique('vis').replace('-', '');
  const sneaker = `sneaker-${tag}`;
  const tote = `tote-${tag}`;
  await createProduct(request, { sku: sneaker, name: `Visitor Sneaker ${tag}`, priceCents: 4_900, stock: 4 });
  await createProduct(request, { sku: tote, name: `Visitor Tote ${tag}`, priceCents: 1_500, stock: 2 });

  await page.goto('/');
  await expect(page.getByTestId('signed-in-as')).toHaveCount(0);
  const card = page.getByTestId(`product-${sneaker}`);
  await expect(card).toContainText(money(4_900));
  await expect(card.getByTestId('available')).toHaveText('4 of 4 left');

  await page.getByLabel('Search products').fill(`SNEAKER ${tag}`);
  await expect(page.getByTestId(`product-${tote}`)).toHaveCount(0);
  await expect(card).toBeVisible();
  await expect(page.locator('li.product')).toHaveCount(1);

  await card.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByTestId('sign-in-prompt')).toContainText('Sign in as a buyer');
  await card.getByRole('button', { name: 'Reserve' }).click();
  await expect(page.getByTestId('sign-in-prompt')).toBeVisible();
});

/** A buyer signed in with two products in their cart; returns the skus. */
async function buyerWithCart(page: Page, request: Parameters<typeof createProduct>[0], buyer: string) {
  const tee = unique('cart-tee');
  const cap = unique('cart-cap');
  await createProduct(request, { sku: tee, name: 'Cart tee', priceCents: 2_000, stock: 6 });
  await createProduct(request, { sku: cap, name: 'Cart cap', priceCents: 700, stock: 6 });
  await page.goto('/');
  await signIn(page, buyer, 'customer');
  const cart = page.getByTestId('cart');
  await page.getByTestId(`product-${tee}`).getByRole('button', { name: 'Add to cart' }).click();
  await expect(cart.getByTestId(`cart-line-${tee}`)).toBeVisible();
  await page.getByTestId(`product-${cap}`).getByRole('button', { name: 'Add to cart' }).click();
  await expect(cart.getByTestId(`cart-line-${cap}`)).toBeVisible();
  return { tee, cap, cart };
}

test('a buyer fills a cart (add, change a quantity, remove), checks out, pays and sees CONFIRMED', async ({ page, request }) => {
  const { tee, cap, cart } = await buyerWithCart(page, request, unique('cus-cart'));
  await expect(cart.getByTestId('cart-total')).toHaveText(`Estimated total: ${money(2_700)}`);
  // The browser stack keeps a drop's limits: at most 2 units of a product per buyer (LIMIT_UNITS_PER_PRODUCT).
  await cart.getByLabel('Quantity of Cart tee').fill('2');
  await cart.getByLabel('Quantity of Cart tee').press('Enter');
  await expect(cart.getByTestId('cart-total')).toHaveText(`Estimated total: ${money(4_700)}`);
  await cart.getByTestId(`cart-line-${cap}`).getByRole('button', { name: 'Remove' }).click();
  await expect(cart.getByTestId(`cart-line-${cap}`)).toHaveCount(0);
  await expect(cart.getByTestId('cart-total')).toHaveText(`Estimated total: ${money(4_000)}`);

  await cart.getByRole('button', { name: 'Checkout' }).click();
  const order = page.getByTestId('order-panel');
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await expect(order.getByTestId('countdown')).toContainText(/Held for you: 0:\d\d left/);
  await expect(order).toContainText(`2× ${tee}`);
  await expect(page.getByTestId(`product-${tee}`).getByTestId('available')).toHaveText('4 of 6 left');
  await expect(cart).toContainText('Your cart is empty.');

  await order.getByLabel('Pay with a test token').selectOption('tok_visa');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('status')).toHaveText('CONFIRMED');
  await expect(page.getByTestId('my-orders')).toContainText('CONFIRMED');
});

test('a double click on checkout makes one order', async ({ page, request }) => {
  const buyer = unique('cus-dbl');
  const { cart } = await buyerWithCart(page, request, buyer);
  await cart.getByRole('button', { name: 'Checkout' }).dblclick();
  await expect(page.getByTestId('order-panel').getByTestId('status')).toHaveText('RESERVED');

  const token = await tokenFor(request, buyer, ['customer']);
  const answer = await request.get('/orders?limit=100', { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status()).toBe(200);
  expect(((await answer.json()) as { data: unknown[] }).data).toHaveLength(1);
});
