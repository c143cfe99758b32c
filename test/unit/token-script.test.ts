/** `npm run --silent token -- --role customer --sub cus_42` prints a token the API accepts for that caller. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTokenVerifier } from '../../api/auth/verify';
import { LOCAL_TOKEN_CLAIMS } from '../../config/auth';
import { LOCAL_IDP_DEFAULTS } from '../../config/idp';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const SECRET = 'token-script-test-secret-0123456789abcdef';

async function token(args: string[], env: Record<string, string> = {}) {
  const { stdout } = await run(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/token.ts', ...args], {
    cwd: root,
    env: { ...process.env, AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: '', AUTH_AUDIENCE: '', ...env },
  });
  return stdout.trim();
}

test('a customer token carries the sub and role, signed with AUTH_JWT_SECRET, with issuer and audience when set', async () => {
  const printed = await token(['--role', 'customer', '--sub', 'cus_42'], { AUTH_ISSUER: 'https://issuer.local', AUTH_AUDIENCE: 'order-saga' });
  const verify = createTokenVerifier({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://issuer.local', AUTH_AUDIENCE: 'order-saga' });
  await expect(verify(printed)).resolves.toEqual({ sub: 'cus_42', roles: ['customer'] });
}, 30_000);

test('without AUTH_ISSUER and AUTH_AUDIENCE a token carries the ones npm start gives the API: its local provider\'s', async () => {
  const verify = createTokenVerifier({
    AUTH_JWT_SECRET: SECRET,
    AUTH_ISSUER: `http://localhost:${LOCAL_IDP_DEFAULTS.port}`,
    AUTH_AUDIENCE: LOCAL_IDP_DEFAULTS.audience,
  });
  await expect(verify(await token(['--role', 'operator'], { IDP_PORT: '', IDP_ISSUER: '', OIDC_ISSUER: '', AUTH_JWKS_URL: '' }))).resolves.toEqual({
    sub: 'staff-operator',
    roles: ['operator'],
  });
}, 30_000);

test('for compose and k8s, a token carries the issuer and audience they set when told them', async () => {
  const verify = createTokenVerifier({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: LOCAL_TOKEN_CLAIMS.issuer, AUTH_AUDIENCE: LOCAL_TOKEN_CLAIMS.audience });
  const env = { AUTH_ISSUER: LOCAL_TOKEN_CLAIMS.issuer, AUTH_AUDIENCE: LOCAL_TOKEN_CLAIMS.audience };
  await expect(verify(await token(['--role', 'operator'], env))).resolves.toEqual({ sub: 'staff-operator', roles: ['operator'] });
}, 30_000);

test('staff tokens need no --sub; roles may be repeated', async () => {
  const verify = createTokenVerifier({ AUTH_JWT_SECRET: SECRET });
  await expect(verify(await token(['--role', 'admin', '--role', 'operator']))).resolves.toEqual({ sub: 'staff-admin', roles: ['admin', 'operator'] });
}, 30_000);

test('an unknown role or a customer without --sub is refused', async () => {
  await expect(token(['--role', 'root'])).rejects.toThrow(/--role must be one of customer, admin, operator/);
  await expect(token(['--role', 'customer'])).rejects.toThrow(/needs --sub/);
}, 30_000);
