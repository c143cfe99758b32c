/** The operator console in a real browser: counters follow a small scripted drop; admin restocks a product. */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { createProduct, PHONE, screenshot, signIn, tokenFor, unique } from './helpers';

const tileValue = (page: import('@playwright/test').Page, id: string) => page.getByTestId(`tile-${id}`).getByTestId('value');

/** N buyers race for a product's units through the API; every reserved order is paid with tok_visa. */
async function scriptedDrop(request: APIRequestContext, productId: number, buyers: number): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: buyers }, async (_, index) => {
      const token = await tokenFor(request, `cus-drop-${index}-${unique('b')}`, ['customer']);
      const headers = { authorization: `Bearer ${token}` };
      const placed = await request.post('/orders', { data: { items: [{ productId, quantity: 1 }] }, headers });
      if (placed.status() !== 201) return 0;
      const { id } = (await placed.json()) as { id: string };
      const paid = await request.post(`/orders/${id}/payment`, { data: { paymentToken: 'tok_visa' }, headers });
      return paid.status() === 200 ? 1 : 0;
    }),
  );
  return results.reduce<number>((sum, n) => sum + n, 0);
}

test("the console's counters move during a small scripted drop", async ({ page, request }) => {
  const sku = unique('sneaker');
  const productId = await createProduct(request, { sku, name: 'Drop sneaker', priceCents: 12_000, stock: 6 });
  await page.goto('/#/console');
  await signIn(page, 'ops-olga', 'staff');

  const row = page.getByTestId(`console-product-${sku}`);
  await expect(row.getByTestId('available')).toHaveText('6');
  const confirmedBefore = Number(await tileValue(page, 'confirmed').innerText());

  const confirmed = await scriptedDrop(request, productId, 10);
  expect(confirmed).toBe(6);

  await expect(row.getByTestId('available')).toHaveText('0');
  await expect(row.getByTestId('stock')).toHaveText('0');
  await expect(row.getByTestId('sold-out-at')).toHaveText(/^\d\d:\d\d:\d\d$/);
  await expect(tileValue(page, 'confirmed')).toHaveText(String(confirmedBefore + 6));
  await expect(page.getByTestId('top-products')).toContainText('Drop sneaker');
  await expect(tileValue(page, 'rate-confirmed')).not.toHaveText('0');

  await page.getByRole('button', { name: 'Run the check now' }).click();
  await expect(page.getByTestId('invariant-check')).toContainText('I1 no oversell');
  await screenshot(page, 'console-desktop-after-drop');

  await page.getByLabel('Customer').fill('');
  await page.getByLabel('Status', { exact: true }).selectOption('CONFIRMED');
  await page.getByRole('button', { name: 'Search' }).click();
  const firstLink = page.getByTestId('search-results').getByRole('link').first();
  await expect(firstLink).toHaveAttribute('href', /\/namespaces\/default\/workflows\/ord_/);

  await page.setViewportSize(PHONE);
  await screenshot(page, 'console-phone-after-drop');
});

test('product admin restocks a sold-out product and it is on sale again', async ({ page, request }) => {
  const sku = unique('poster');
  const productId = await createProduct(request, { sku, name: 'Drop poster', priceCents: 1_500, stock: 1 });
  expect(await scriptedDrop(request, productId, 2)).toBe(1);

  await page.goto('/#/console');
  await signIn(page, 'admin-ada', 'staff');
  const row = page.getByTestId(`console-product-${sku}`);
  await expect(row.getByTestId('stock')).toHaveText('0');

  const restock = row.getByTestId(`restock-${sku}`);
  await restock.getByLabel(`Units to add to ${sku}`).fill('25');
  await restock.getByRole('button', { name: 'Add' }).click();
  await expect(row.getByTestId('stock')).toHaveText('25');
  await expect(row.getByTestId('available')).toHaveText('25');
});
