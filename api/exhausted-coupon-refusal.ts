import type { RequestHandler } from 'express';
import type { ExhaustedCoupons } from '../coupons/exhausted-flags';
import { permits } from './auth/middleware';
import { ROUTE_POLICY } from './auth/policy';
import type { Caller } from './auth/roles';
import { sendProblem } from './errors';
import { exhaustedAnswer } from './routes/coupons';
import type { ApiMetrics } from '../telemetry/api-metrics';

/**
 * POST /coupons/:code/claims for a coupon this process already knows is exhausted, answered 409 COUPONS_EXHAUSTED
 * before anything else runs, as api/sold-out-refusal.ts answers sold-out orders: once a drop's coupons are gone, nearly
 * every claim is one, and the refusal reads one in-process flag, touching neither Redis nor MySQL. Only a caller the
 * route policy lets claim is answered here; anyone else goes on to the policy and its 401 or 403. The answer is written
 * directly, without allocating an Error (its stack trace is waste on an expected refusal), as sold-out-refusal.ts does.
 */
export function refuseExhaustedEarly(exhausted: ExhaustedCoupons, metrics?: ApiMetrics): RequestHandler {
  const mayClaim = ROUTE_POLICY.find((policy) => policy.method === 'POST' && policy.path === '/coupons/:code/claims')!.roles;
  return (req, res, next) => {
    const caller = res.locals.caller as Caller | undefined;
    const code = typeof req.params.code === 'string' ? req.params.code : undefined;
    if (caller === undefined || !permits(caller, mayClaim) || code === undefined || !exhausted.has(code)) return next();
    metrics?.couponClaims.inc({ outcome: 'exhausted', decided_by: 'memory' });
    sendProblem(req, res, exhaustedAnswer(code));
  };
}
