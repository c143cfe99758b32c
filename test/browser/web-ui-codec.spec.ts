/**
 * Issue 9's Web UI check in a real browser: the dev server's Temporal Web UI (pointed at the codec server with
 * --ui-codec-endpoint) shows a paid order's payloads sealed to anyone, and decoded to an operator whose browser holds
 * the codec server's session cookie and whose UI is set to include cross-origin credentials.
 */
import { expect, test, type Page, type Response } from '@playwright/test';
import { createProduct, screenshot, tokenFor, unique } from './helpers';
import { BROWSER_PORTS } from './ports';

// Both on localhost: the session cookie is same-site only (ports do not make another site), see README.
const WEB_UI = `http://localhost:${BROWSER_PORTS.ui}`;
const CODEC_SERVER = `http://localhost:${BROWSER_PORTS.codecServer}`;
// A quoted base64 run as long as a sealed payload: what the Web UI prints for a payload it could not decode.
const CIPHERTEXT = /"[A-Za-z0-9+/]{120,}={0,2}"/;

const decodeAnswer = (page: Page): Promise<Response> => page.waitForResponse((response) => response.url().startsWith(`${CODEC_SERVER}/decode`));

/** The operator's steps in the Web UI: codec server settings → this browser's endpoint, with cross-origin credentials. */
async function includeCredentialsInCodecCalls(page: Page): Promise<void> {
  await page.getByTestId(/^data-encoder-status/).click();
  await page.getByText('Use my browser setting and ignore Cluster-level setting.').click();
  await page.getByLabel('Codec Server browser endpoint').fill(CODEC_SERVER);
  await page.getByText('Include cross-origin credentials').click();
  await expect(page.getByRole('switch', { name: 'Include cross-origin credentials' })).toBeChecked();
  await page.getByTestId('confirm-modal-button').filter({ visible: true }).click();
}

test("the Web UI shows a paid order's payloads sealed, and decoded through the codec server to an operator", async ({ browser, request }) => {
  const sku = unique('lamp');
  const priceCents = 73_519;
  const productId = await createProduct(request, { sku, name: 'Sealed lamp', priceCents, stock: 3 });
  const customerId = unique('cus-sealed');
  const headers = { authorization: `Bearer ${await tokenFor(request, customerId, ['customer'])}` };
  const placed = await request.post('/orders', { data: { items: [{ productId, quantity: 1 }] }, headers });
  // 202: the order exists but no worker had taken it within TEMPORAL_CALL_TIMEOUT (a fresh worker on a busy machine).
  expect([201, 202]).toContain(placed.status());
  const orderId = ((await placed.json()) as { id: string }).id;
  await expect.poll(async () => ((await (await request.get(`/orders/${orderId}`, { headers })).json()) as { status: string }).status, { timeout: 60_000 }).toBe('RESERVED');
  const paid = await request.post(`/orders/${orderId}/payment`, { data: { paymentToken: 'tok_visa' }, headers });
  expect(((await paid.json()) as { status: string }).status).toBe('CONFIRMED');

  // A browser of its own: no codec session, the Web UI's settings as it ships them.
  const context = await browser.newContext();
  const page = await context.newPage();
  const main = page.locator('main');
  const clearTexts = [`"customerId": "${customerId}"`, `"sku": "${sku}"`, `"totalCents": ${priceCents}`];

  let answer = decodeAnswer(page);
  await page.goto(`${WEB_UI}/namespaces/default/workflows/${orderId}`);
  expect((await answer).status()).toBe(401);
  await expect(main.getByText('Codec Server could not connect')).toBeVisible();
  await expect(main).toContainText(CIPHERTEXT);
  for (const text of [customerId, sku, String(priceCents)]) expect(await main.innerText()).not.toContain(text);
  await screenshot(page, 'web-ui-sealed');

  // The operator signs the browser in to the codec server...
  const login = await page.goto(`${CODEC_SERVER}/login?token=${await tokenFor(request, 'ops-otto', ['operator'])}`);
  expect(login?.status()).toBe(200);
  // ...which alone changes nothing: the UI calls the codec server without credentials until told to include them.
  answer = decodeAnswer(page);
  await page.goto(`${WEB_UI}/namespaces/default/workflows/${orderId}`);
  expect((await answer).status()).toBe(401);
  await expect(main).toContainText(CIPHERTEXT);

  await includeCredentialsInCodecCalls(page);
  // Where the UI keeps that choice (README documents it): read back from the browser, not assumed.
  const uiStorage = (await context.storageState()).origins.find((origin) => origin.origin === WEB_UI)?.localStorage ?? [];
  expect(uiStorage).toEqual(expect.arrayContaining([{ name: 'includeCredentials', value: 'true' }, { name: 'endpoint', value: JSON.stringify(CODEC_SERVER) }]));
  answer = decodeAnswer(page);
  await page.reload();
  expect((await answer).status()).toBe(200);
  for (const text of clearTexts) await expect(main).toContainText(text);
  await expect(main).not.toContainText(CIPHERTEXT);
  await screenshot(page, 'web-ui-decoded');

  // The payment token, sealed in the payOrder update's argument, reads in clear in the event history.
  await page.getByRole('tab', { name: /Event History/ }).click();
  await page.locator('tr', { hasText: 'Workflow Execution Update Accepted' }).filter({ hasText: 'payOrder' }).click();
  await expect(main).toContainText('"paymentToken": "tok_visa"');
  await screenshot(page, 'web-ui-decoded-payment-update');
  await context.close();
});
