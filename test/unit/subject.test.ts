/**
 * One rule for a caller's id: whatever `sub` a token may carry, the same buyer may send as `customerId` (in an order's
 * body and in the orders list's query) and pick at local sign-in; whatever the token refuses, the requests refuse.
 */
import { createTokenCheck } from '../../api/auth/verify';
import { newOrderSchema, orderListQuerySchema, signInSchema } from '../../api/validation';
import { customToken, TEST_AUTH_SECRET } from '../support/auth';

const check = createTokenCheck({ AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_JWKS_URL: undefined, AUTH_ISSUER: undefined, AUTH_AUDIENCE: undefined });

async function tokenAccepts(sub: string): Promise<boolean> {
  const token = await customToken({ sub, roles: ['customer'], ttlSeconds: 60 });
  return check(token).then(
    () => true,
    () => false,
  );
}

function requestsAccept(sub: string): boolean[] {
  return [
    newOrderSchema.safeParse({ customerId: sub, items: [{ productId: 1, quantity: 1 }] }).success,
    orderListQuerySchema.safeParse({ customerId: sub }).success,
    signInSchema.safeParse({ sub, roles: ['customer'] }).success,
  ];
}

it.each(['auth0|abc', 'cus_42', 'google-oauth2|1234567890', 'a'.repeat(128), '7f9c2ba4-e88f-4c1e-9c3b-0d7e8a6b5f21'])(
  'a token subject %s is accepted, and the same buyer may name themselves with it',
  async (sub) => {
    expect(await tokenAccepts(sub)).toBe(true);
    expect(requestsAccept(sub)).toEqual([true, true, true]);
  },
);

it.each(['a'.repeat(129), 'me@example.test ', 'with space', '-leading-dash', ''])('a subject %p is refused by the token and by the requests alike', async (sub) => {
  expect(await tokenAccepts(sub)).toBe(false);
  expect(requestsAccept(sub)).toEqual([false, false, false]);
});
