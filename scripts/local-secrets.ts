import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Secrets for local use, made once and kept in data/local-secrets.json (git-ignored, like all of data/), so tokens
 * from `npm run token` and encrypted workflow histories stay valid across restarts of `npm start`. Values set in
 * the environment always win; production sets them all there (or uses AUTH_JWKS_URL).
 */
export const LOCAL_SECRETS_FILE = path.resolve(__dirname, '..', 'data', 'local-secrets.json');

export interface LocalSecrets {
  AUTH_JWT_SECRET: string;
  /** `id:base64key` of the payload codec's AES-256 key. */
  TEMPORAL_CODEC_KEYS: string;
  TEMPORAL_CODEC_KEY_ID: string;
  /** The service's key at the payment stand-in. */
  PAYMENTS_API_KEY: string;
  /** Signs the stand-in's events to POST /payments/events. */
  PAYMENTS_WEBHOOK_SECRET: string;
}

function readSecrets(): Partial<LocalSecrets> {
  if (!existsSync(LOCAL_SECRETS_FILE)) return {};
  return JSON.parse(readFileSync(LOCAL_SECRETS_FILE, 'utf8')) as Partial<LocalSecrets>;
}

/** The local secrets, made and saved (mode 0600) the first time. */
export function ensureLocalSecrets(): LocalSecrets {
  const saved = readSecrets();
  const secrets: LocalSecrets = {
    AUTH_JWT_SECRET: saved.AUTH_JWT_SECRET ?? randomBytes(32).toString('base64url'),
    TEMPORAL_CODEC_KEYS: saved.TEMPORAL_CODEC_KEYS ?? `local1:${randomBytes(32).toString('base64')}`,
    TEMPORAL_CODEC_KEY_ID: saved.TEMPORAL_CODEC_KEY_ID ?? 'local1',
    PAYMENTS_API_KEY: saved.PAYMENTS_API_KEY ?? `sk_local_${randomBytes(24).toString('base64url')}`,
    PAYMENTS_WEBHOOK_SECRET: saved.PAYMENTS_WEBHOOK_SECRET ?? `whsec_${randomBytes(32).toString('base64')}`,
  };
  if (JSON.stringify(saved) !== JSON.stringify(secrets)) {
    mkdirSync(path.dirname(LOCAL_SECRETS_FILE), { recursive: true });
    writeFileSync(LOCAL_SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}

/** Puts each local secret into `env` where the environment does not set it already; returns the names it set. */
export function applyLocalSecrets(env: NodeJS.ProcessEnv = process.env, { withJwtSecret = true } = {}): string[] {
  const applied: string[] = [];
  for (const [name, value] of Object.entries(ensureLocalSecrets())) {
    // Keys set together stay together: a codec key id from the environment comes with its own keys.
    if (name === 'TEMPORAL_CODEC_KEY_ID' && env.TEMPORAL_CODEC_KEYS && !applied.includes('TEMPORAL_CODEC_KEYS')) continue;
    if (name === 'AUTH_JWT_SECRET' && !withJwtSecret) continue;
    if (env[name] === undefined || env[name] === '') {
      env[name] = value;
      applied.push(name);
    }
  }
  return applied;
}
