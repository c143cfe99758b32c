/** What the browser tests share: signing in through the page, and API calls from the test (setup, a scripted drop). */
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export type RoleChoice = 'customer' | 'staff' | 'operator' | 'admin';

export const unique = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 8)}`;

/** Signs in with the page's local form (POST /auth/local-sign-in behind it). */
export async function signIn(page: Page, name: string, role: RoleChoice): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('as', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('signed-in-as')).toContainText(`Signed in as ${name}`);
}

/** A bearer token from the same local sign-in, for calls the test makes itself. */
export async function tokenFor(request: APIRequestContext, sub: string, roles: string[]): Promise<string> {
  const answer = await request.post('/auth/local-sign-in', { data: { sub, roles } });
  expect(answer.status()).toBe(200);
  return ((await answer.json()) as { token: string }).token;
}

export async function createProduct(request: APIRequestContext, product: { sku: string; name: string; priceCents: number; stock: number }): Promise<number> {
  const token = await tokenFor(request, 'browser-admin', ['admin']);
  const answer = await request.post('/products', { data: product, headers: { authorization: `Bearer ${token}` } });
  expect(answer.status()).toBe(201);
  return ((await answer.json()) as { id: number }).id;
}

/** Screenshots land in test-results/browser/screenshots; the best are copied to docs/ by hand. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = path.join(__dirname, '..', '..', 'test-results', 'browser', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export const PHONE = { width: 390, height: 844 };
