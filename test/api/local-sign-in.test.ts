/**
 * Local sign-in (POST /auth/local-sign-in hands anyone a token for any role) answers only where AUTH_LOCAL_SIGN_IN=true
 * asks for it, and logs a warning when it does. The deployment shapes the project ships (compose.yaml, deploy/k8s) and
 * `npm start` (which signs people in at its local OpenID provider) leave it off unless told, and none lets an anonymous
 * caller create a product or read an order.
 */
import pino from 'pino';
import { loadAuthConfig, type AuthConfig } from '../../config/auth';
import { applyLocalIdentityProvider } from '../../scripts/dev-sign-in';
import { buyer, TEST_AUTH_SECRET } from '../support/auth';
import { composeFile, composeServiceEnv, k8sDeploymentEnv } from '../support/deployment-env';
import { serveAppOn } from '../support/app-on-service';
import { serviceForThisFile } from './service-per-file';
import { call, expectProblem, unique, type Answer } from './http';

const stack = serviceForThisFile({ holdMs: 60_000 });
let orderId: string;
let productId: number;

beforeAll(async () => {
  const product = await stack.api.post('/products', { sku: unique('signin-sku'), name: 'Sign-in test product', priceCents: 500, stock: 10 });
  productId = product.body.id;
  const order = await stack.api.post('/orders', { items: [{ productId, quantity: 1 }] }, { as: buyer(unique('cus-signin')) });
  expect(order.status).toBe(201);
  orderId = order.body.id;
}, 120_000);

/** An API on this service's stores, configured as `auth` says; `logLines` collects what it logs. */
async function withApi<T>(auth: AuthConfig, use: (url: string, logLines: string[]) => Promise<T>): Promise<T> {
  const logLines: string[] = [];
  const app = await serveAppOn(stack.service, { auth, logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(line) }) });
  try {
    return await use(app.url, logLines);
  } finally {
    await app.close();
  }
}

const signIn = (url: string): Promise<Answer> => call(url, 'POST', '/auth/local-sign-in', { json: { sub: 'mallory', roles: ['admin', 'operator'] }, as: 'anonymous' });
const warnings = (lines: string[]) => lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40);

describe('AUTH_LOCAL_SIGN_IN', () => {
  test('unset: off, 404 LOCAL_SIGN_IN_DISABLED, and no warning', async () => {
    await withApi({ AUTH_JWT_SECRET: TEST_AUTH_SECRET }, async (url, logLines) => {
      expectProblem(await signIn(url), 404, 'LOCAL_SIGN_IN_DISABLED');
      expect(warnings(logLines)).toEqual([]);
    });
  });

  test('true: a token for the name and roles asked, and a warning at start that anyone may pick any role', async () => {
    await withApi({ AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_LOCAL_SIGN_IN: 'true' }, async (url, logLines) => {
      expect(warnings(logLines)).toEqual([expect.objectContaining({ msg: expect.stringMatching(/anyone .* may pick any name and any role/) })]);
      const answer = await signIn(url);
      expect(answer.status).toBe(200);
      const staff = { as: 'anonymous' as const, headers: { authorization: `Bearer ${answer.body.token}` } };
      expect((await call(url, 'GET', '/console/summary', staff)).status).toBe(200);
    });
  });

  test('only the words true and false are accepted, and true needs a secret to sign with', () => {
    expect(() => loadAuthConfig({ AUTH_JWT_SECRET: TEST_AUTH_SECRET, AUTH_LOCAL_SIGN_IN: 'yes' })).toThrow(/AUTH_LOCAL_SIGN_IN: must be true or false/);
    expect(() => loadAuthConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks', ORDER_ID_SECRET: TEST_AUTH_SECRET, AUTH_LOCAL_SIGN_IN: 'true' })).toThrow(/AUTH_LOCAL_SIGN_IN: local sign-in signs its tokens with AUTH_JWT_SECRET/);
  });
});

describe('the shipped deployment shapes leave local sign-in off and nothing open to anonymous callers', () => {
  const operatorSecret = { AUTH_JWT_SECRET: 'an-operator-chosen-secret-0123456789abcdef' };
  // Everything else compose insists on being told (it refuses to start without them).
  const composeSecrets = { ...operatorSecret, PAYMENTS_API_KEY: 'sk_an-operator-chosen-key', PAYMENTS_WEBHOOK_SECRET: 'whsec_b3BlcmF0b3ItY2hvc2Vu' };
  const shapes: Array<[string, () => NodeJS.ProcessEnv]> = [
    ['compose.yaml (api)', () => composeServiceEnv('api', composeSecrets)],
    ['deploy/k8s (api Deployment)', () => k8sDeploymentEnv('api')],
    // What `npm start` gives the API when the environment says nothing: its kept HS256 secret and the local provider.
    ['npm start with AUTH_LOCAL_SIGN_IN unset', () => {
      const env: NodeJS.ProcessEnv = { ...operatorSecret };
      applyLocalIdentityProvider(env);
      return env;
    }],
  ];

  test('neither compose.yaml nor any deploy/k8s file sets AUTH_LOCAL_SIGN_IN', () => {
    for (const [name, service] of Object.entries(composeFile().services)) {
      expect([name, (service.environment as Record<string, unknown> | undefined)?.AUTH_LOCAL_SIGN_IN]).toEqual([name, undefined]);
    }
    expect(k8sDeploymentEnv('api').AUTH_LOCAL_SIGN_IN).toBeUndefined();
  });

  test.each(shapes)('%s: local sign-in 404; anonymous product creation and order read 401', async (_shape, environment) => {
    await withApi(loadAuthConfig(environment()), async (url, logLines) => {
      expectProblem(await signIn(url), 404, 'LOCAL_SIGN_IN_DISABLED');
      expectProblem(await call(url, 'POST', '/products', { json: { sku: unique('anon'), name: 'Anonymous', priceCents: 1, stock: 1 }, as: 'anonymous' }), 401, 'UNAUTHENTICATED');
      expectProblem(await call(url, 'POST', `/products/${productId}/restock`, { json: { quantity: 5 }, as: 'anonymous' }), 401, 'UNAUTHENTICATED');
      expectProblem(await call(url, 'GET', `/orders/${orderId}`, { as: 'anonymous' }), 401, 'UNAUTHENTICATED');
      expectProblem(await call(url, 'GET', '/orders', { as: 'anonymous' }), 401, 'UNAUTHENTICATED');
      expect(warnings(logLines)).toEqual([]);
    });
  });
});
