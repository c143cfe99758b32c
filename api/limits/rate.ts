import { Router, type Request, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitsConfig } from '../../config/limits';
import { callerOf } from '../auth/middleware';
import { Problem } from '../problem';

/**
 * A fixed window of `perMinute` requests per key, counted in Redis so the limit holds across API replicas. Over it:
 * 429 RATE_LIMITED with Retry-After. If Redis cannot count, the request goes through (logged): a limiter outage
 * must not close the sale, and the admission gate needs the same Redis anyway.
 */
function limiter(redis: Redis, name: string, perMinute: number, keyOf: (req: Request, res: Parameters<RequestHandler>[1]) => string, logger: Logger): RequestHandler {
  const counter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${name}`, points: perMinute, duration: 60 });
  return async (req, res, next) => {
    try {
      await counter.consume(keyOf(req, res));
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) {
        logger.warn({ err: refusal, limiter: name }, 'rate limiter unavailable; request let through');
        return next();
      }
      const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new Problem('RATE_LIMITED', `at most ${perMinute} of these per minute; retry in ${retryAfter} s`, { field: 'header.Authorization' }, { 'Retry-After': String(retryAfter) });
    }
    next();
  };
}

/**
 * Per-buyer limits on placing and paying (the bots' two levers in a drop) and, behind a trusted proxy, per IP. Mounted
 * at /orders, so other requests pass it in one check.
 */
export function rateLimitRouter(redis: Redis, limits: LimitsConfig, logger: Logger): Router {
  const router = Router();
  const perIp = limits.RATE_PER_IP_PER_MINUTE > 0 ? limiter(redis, 'ip', limits.RATE_PER_IP_PER_MINUTE, (req) => req.ip ?? 'unknown', logger) : undefined;
  const buyer = (_req: Request, res: Parameters<RequestHandler>[1]) => callerOf(res).sub;
  const routes: Array<[string, number, string]> = [
    ['/', limits.RATE_ORDERS_PER_MINUTE, 'orders'],
    ['/:id/payment', limits.RATE_PAYMENTS_PER_MINUTE, 'payments'],
  ];
  for (const [path, perMinute, name] of routes) {
    if (perIp) router.post(path, perIp);
    if (perMinute > 0) router.post(path, limiter(redis, name, perMinute, buyer, logger));
  }
  return router;
}

/** Express's `trust proxy` from TRUST_PROXY: '' off, a hop count, 'true', or addresses/subnets. */
export function trustProxySetting(value: string): boolean | number | string | undefined {
  if (value === '' || value === 'false') return undefined;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
