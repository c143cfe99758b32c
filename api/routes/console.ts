import { Router } from 'express';
import type { MikroORM } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Inventory } from '../../inventory/inventory';
import type { WaitingRoom } from '../../queue/waiting-room';
import { cachedFor } from '../console/cached';
import { latestInvariantCheck, runInvariantCheck, type InvariantCheckReport } from '../console/invariant-check';
import { buildSummary } from '../console/summary';
import { Problem } from '../problem';
import { invariantCheckBodySchema, parse, summaryQuerySchema } from '../validation';

export interface ConsoleSettings {
  /** Base URL of the Temporal Web UI; an order's page is <base>/namespaces/<namespace>/workflows/<orderId>. */
  temporalUiUrl: string;
  namespace: string;
  /** For the invariant check: the payment provider (I3) and Temporal (I4); null skips that part. */
  paymentsUrl: string | null;
  temporalAddress: string | null;
}

export interface ConsoleRouterDeps {
  orm: MikroORM;
  redis: Redis;
  inventory: Inventory;
  temporal: Client;
  taskQueue: string;
  settings: ConsoleSettings;
  waitingRoom?: Pick<WaitingRoom, 'stats'>;
}

/** The windows the console offers; any duration from a minute to a week is accepted. */
export const CONSOLE_WINDOWS = ['5m', '15m', '1h', '24h', '7d'] as const;
const SUMMARY_TTL_MS = 1_000;

/**
 * Read-only figures for the operator console (the page polls GET /console/summary; see README "Web page"), and the
 * invariant check it can start. Nothing here changes an order or a product.
 */
export function consoleRouter(deps: ConsoleRouterDeps): Router {
  const router = Router();
  const summary = cachedFor(SUMMARY_TTL_MS, (windowSeconds: number) => buildSummary(deps, windowSeconds));
  let checkInFlight: Promise<InvariantCheckReport> | undefined;

  router.get('/settings', (_req, res) => {
    res.json({ temporalUiUrl: deps.settings.temporalUiUrl, namespace: deps.settings.namespace, windows: CONSOLE_WINDOWS });
  });

  router.get('/summary', async (req, res) => {
    const { window } = parse(summaryQuerySchema, req.query, 'query');
    res.set('Cache-Control', 'no-store').json(await summary(window));
  });

  router.post('/invariant-checks', async (req, res) => {
    const { ordersSince } = parse(invariantCheckBodySchema, req.body ?? {}, 'body');
    // One check at a time: a second click while one runs gets that run's answer.
    checkInFlight ??= runInvariantCheck(
      {
        orm: deps.orm,
        redis: deps.redis,
        paymentsUrl: deps.settings.paymentsUrl,
        temporal: deps.settings.temporalAddress ? { address: deps.settings.temporalAddress, namespace: deps.settings.namespace } : null,
      },
      new Date(Date.now() - ordersSince * 1000),
    ).finally(() => (checkInFlight = undefined));
    res.json(await checkInFlight);
  });

  router.get('/invariant-checks/latest', async (_req, res) => {
    const latest = await latestInvariantCheck(deps.redis);
    if (!latest) throw new Problem('NO_INVARIANT_CHECK', 'no invariant check has run yet; POST /console/invariant-checks runs one');
    res.json(latest);
  });

  return router;
}
