/**
 * The verified-token cache: the same token sent again is not verified again while it is valid, and nothing else
 * changes: an expired token, a failed one, or one pushed out by newer ones is verified again. The checks underneath
 * are the real ones (jose, HS256); the clock is the cache's own, moved by the test.
 */
import { InvalidTokenError, createTokenCheck } from '../../api/auth/verify';
import { withVerifiedTokenCache } from '../../api/auth/verified-tokens';
import { signToken } from '../../api/auth/sign-token';

const SECRET = 'verified-tokens-test-secret-0123456789abcdef';

function countedVerifier(options: { maxEntries?: number; maxAgeMs?: number } = {}) {
  const check = createTokenCheck({ AUTH_JWT_SECRET: SECRET });
  const counted = { checks: 0, nowMs: Date.now() };
  const verify = withVerifiedTokenCache(
    (token) => {
      counted.checks += 1;
      return check(token);
    },
    { ...options, now: () => counted.nowMs },
  );
  return { verify, counted };
}

const buyerToken = (sub: string, ttlSeconds = 3_600) => signToken(SECRET, { sub, roles: ['customer'], ttlSeconds });

test('a token sent again is answered from memory, with the same caller', async () => {
  const { verify, counted } = countedVerifier();
  const token = await buyerToken('cus_again');
  const first = await verify(token);
  const second = await verify(token);
  expect(second).toEqual({ sub: 'cus_again', roles: ['customer'] });
  expect(second).toBe(first);
  expect(Object.isFrozen(second) && Object.isFrozen(second.roles)).toBe(true);
  expect(counted.checks).toBe(1);
});

test('a remembered token is verified again once its exp has passed, and after maxAgeMs at the latest', async () => {
  const { verify, counted } = countedVerifier({ maxAgeMs: 60_000 });
  const shortLived = await buyerToken('cus_short', 10);
  await verify(shortLived);
  counted.nowMs += 11_000; // past exp (the cache grants no clock tolerance)
  await verify(shortLived);
  expect(counted.checks).toBe(2);

  const longLived = await buyerToken('cus_long');
  await verify(longLived);
  counted.nowMs += 59_000;
  await verify(longLived);
  expect(counted.checks).toBe(3);
  counted.nowMs += 2_000;
  await verify(longLived);
  expect(counted.checks).toBe(4);
});

test('a token that failed is checked every time it is sent', async () => {
  const { verify, counted } = countedVerifier();
  const forged = await signToken('another-secret-0123456789abcdef-xyz', { sub: 'cus_forged', roles: ['customer'] });
  await expect(verify(forged)).rejects.toThrow(InvalidTokenError);
  await expect(verify(forged)).rejects.toThrow(InvalidTokenError);
  expect(counted.checks).toBe(2);
});

test('at most maxEntries tokens are remembered; the oldest is forgotten first', async () => {
  const { verify, counted } = countedVerifier({ maxEntries: 2 });
  const [a, b, c] = await Promise.all(['cus_a', 'cus_b', 'cus_c'].map((sub) => buyerToken(sub)));
  for (const token of [a, b, c]) await verify(token);
  expect(counted.checks).toBe(3);
  await verify(c);
  await verify(b);
  expect(counted.checks).toBe(3);
  await verify(a);
  expect(counted.checks).toBe(4);
});

test('a flood of distinct tokens leaves only the newest maxEntries remembered, also when one was verified twice', async () => {
  const { verify, counted } = countedVerifier({ maxEntries: 3, maxAgeMs: 1_000 });
  const tokens = await Promise.all(Array.from({ length: 8 }, (_, i) => buyerToken(`cus_flood_${i}`)));
  await verify(tokens[0]);
  counted.nowMs += 1_001; // tokens[0]'s verification is too old: verified again, in a second slot
  await verify(tokens[0]);
  for (const token of tokens.slice(1)) await verify(token);
  expect(counted.checks).toBe(9);

  for (const token of tokens.slice(5)) await verify(token);
  expect(counted.checks).toBe(9); // the newest three: from memory
  await verify(tokens[4]);
  await verify(tokens[0]);
  expect(counted.checks).toBe(11); // older ones: verified again
});
