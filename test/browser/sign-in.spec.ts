/**
 * Sign-in through the local OpenID provider's own login page (authorization code with PKCE), in Chromium: a buyer
 * buys and cancels with the provider's token, an operator cancels that buyer's order with theirs, and signing out
 * ends the provider's session too. The API verifies those tokens through the provider's JWKS, as in production.
 */
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PASSWORD } from '../../idp/accounts';
import { createProduct, screenshot, unique } from './helpers';
import { BROWSER_PORTS } from './ports';

const PROVIDER = `http://127.0.0.1:${BROWSER_PORTS.idp}`;

/** From the page's sign-in button, through the provider's login page, back to the page signed in. */
async function signInAtProvider(page: Page, username: string, signedInAs: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign in with your account' }).click();
  await expect(page).toHaveURL(new RegExp(`^${PROVIDER}/interaction/`));
  await expect(page.getByRole('heading', { name: 'Local identity provider' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(signedInAs);
  // Back on the page, with the code and state gone from the address bar.
  expect(new URL(page.url()).search).toBe('');
}

test('a buyer signs in at the provider, cancels one order and buys another; an operator signed in there cancels a third', async ({ page, browser, request }) => {
  const sku = unique('oidc-tee');
  await createProduct(request, { sku, name: 'Provider tee', priceCents: 2_500, stock: 10 });
  await page.goto('/');
  await signInAtProvider(page, 'alice', 'Signed in as cus-alice (customer)');
  await screenshot(page, 'sign-in-provider-buyer');
  const card = page.getByTestId(`product-${sku}`);
  const order = page.getByTestId('order-panel');

  await card.getByRole('button', { name: 'Reserve' }).click();
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await order.getByRole('button', { name: 'Cancel order' }).click();
  await expect(order.getByTestId('status')).toHaveText('CANCELLED');

  await card.getByRole('button', { name: 'Reserve' }).click();
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  await order.getByLabel('Pay with a test token').selectOption('tok_visa');
  await order.getByRole('button', { name: 'Pay' }).click();
  await expect(order.getByTestId('status')).toHaveText('CONFIRMED');

  await card.getByRole('button', { name: 'Reserve' }).click();
  await expect(order.getByTestId('status')).toHaveText('RESERVED');
  // One sold (stock 9), one held.
  await expect(card.getByTestId('available')).toHaveText('8 of 9 left');

  // The operator, in a browser of their own (the provider's session cookie is the buyer's in this one).
  const staff = await browser.newContext();
  const console = await staff.newPage();
  await console.goto('/#/console');
  const summaryCall = console.waitForRequest((call) => call.url().includes('/console/summary'));
  await signInAtProvider(console, 'olivia', 'Signed in as staff-olivia (operator)');
  const operatorAuthorization = (await summaryCall).headers().authorization;
  expect(operatorAuthorization).toMatch(/^Bearer ey/);
  await screenshot(console, 'sign-in-provider-operator');

  const headers = { authorization: operatorAuthorization };
  const open = await request.get('/orders?customerId=cus-alice&status=RESERVED', { headers });
  expect(open.status()).toBe(200);
  const [reserved] = ((await open.json()) as { data: Array<{ id: string }> }).data;
  const cancelled = await request.post(`/orders/${reserved.id}/cancel`, { headers });
  expect(cancelled.status()).toBe(200);
  expect(((await cancelled.json()) as { status: string }).status).toBe('CANCELLED');
  await expect(card.getByTestId('available')).toHaveText('9 of 9 left');
  await staff.close();
});

test('signing out ends the provider session too: the next sign-in asks for the password again', async ({ page }) => {
  await page.goto('/');
  await signInAtProvider(page, 'bob', 'Signed in as cus-bob (customer)');
  await page.getByRole('button', { name: 'Sign out' }).click();
  // Through the provider's end-session endpoint and back to the page.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('button', { name: 'Sign in with your account' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign in with your account' }).click();
  await expect(page.getByLabel('Password')).toBeVisible();
});

test('a wrong password stays at the provider with an error, and the page holds no token in its storage', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in with your account' }).click();
  await page.getByLabel('Username').fill('olivia');
  await page.getByLabel('Password').fill('guess');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Unknown username or wrong password.');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText('Signed in as staff-olivia (operator)');
  // Evaluated in the page (a browser, where the storages exist); the test's own TypeScript knows no DOM.
  const stored = await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })');
  expect(stored).toBe('{"local":{},"session":{}}');
});
