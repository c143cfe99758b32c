/**
 * The image's HEALTHCHECK: probes the role this container runs (containers/entrypoint.sh writes it to /tmp/role):
 * the API's /healthz, the payment stand-in's /health, the worker's /healthz (pollers running, Temporal reachable),
 * the local OpenID provider's /healthz.
 * One-shot roles (migrate, check) have nothing to probe. Exit 0 healthy, 1 not.
 */
import { readFileSync } from 'node:fs';

const PROBES: Record<string, () => string> = {
  api: () => `http://127.0.0.1:${process.env.PORT ?? 3000}/healthz`,
  payments: () => `http://127.0.0.1:${process.env.PAYMENTS_PORT ?? 4010}/health`,
  worker: () => `http://127.0.0.1:${process.env.WORKER_HEALTH_PORT ?? 8081}/healthz`,
  idp: () => `http://127.0.0.1:${process.env.IDP_PORT ?? 4100}/healthz`,
};

async function main(): Promise<number> {
  let role = '';
  try {
    role = readFileSync('/tmp/role', 'utf8').trim();
  } catch {
    return 1; // not started yet
  }
  const probe = PROBES[role];
  if (!probe) return 0;
  const response = await fetch(probe(), { signal: AbortSignal.timeout(4_000) });
  if (!response.ok) console.error(`${role}: ${response.status} ${await response.text()}`);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
