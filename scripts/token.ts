import { parseArgs } from 'node:util';
import { signToken } from '../api/auth/sign-token';
import { ROLES, type Role } from '../api/auth/roles';
import { LOCAL_TOKEN_CLAIMS, loadAuthConfig } from '../config/auth';
import { applyLocalSecrets } from './local-secrets';
import { applyLocalIdentityProvider } from './dev-sign-in';

/**
 * `npm run --silent token -- --role customer --sub cus_42`: prints a bearer token signed with AUTH_JWT_SECRET (or
 * the local secret `npm start` uses), carrying AUTH_ISSUER and AUTH_AUDIENCE, or the ones compose and k8s set.
 * --role may be repeated (or comma-separated); --ttl is in seconds (default 3600).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      email: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const roles = (values.role ?? []).flatMap((role) => role.split(','));
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (roles.length === 0 || unknown.length > 0) throw new Error(`--role must be one of ${ROLES.join(', ')}${unknown.length ? ` (not ${unknown.join(', ')})` : ''}`);
  if (roles.includes('customer') && values.sub === undefined) throw new Error('a customer token needs --sub <customer id>, e.g. --sub cus_42');
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new Error('--ttl must be a whole number of seconds');

  if (!process.env.AUTH_JWT_SECRET) applyLocalSecrets();
  // The issuer and audience `npm start` gives the API when it runs the local provider (scripts/dev-sign-in.ts).
  applyLocalIdentityProvider(process.env);
  const config = loadAuthConfig();
  if (config.AUTH_JWT_SECRET === undefined) throw new Error('AUTH_JWT_SECRET is not set: tokens of an OIDC provider come from that provider');
  const token = await signToken(config.AUTH_JWT_SECRET, {
    sub: values.sub ?? `staff-${roles[0]}`,
    roles: roles as Role[],
    ttlSeconds,
    issuer: config.AUTH_ISSUER ?? LOCAL_TOKEN_CLAIMS.issuer,
    audience: config.AUTH_AUDIENCE ?? LOCAL_TOKEN_CLAIMS.audience,
    ...(values.email !== undefined ? { email: values.email } : {}),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
