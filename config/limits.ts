import { z } from 'zod';

/**
 * Limits for a drop, per buyer (the token's sub) unless said otherwise; each one an environment variable. The
 * defaults fit a flash sale of scarce units: see README "Limits for a drop" for why each value.
 */
const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

const schema = z.object({
  /** Units of one product a buyer may hold across their unpaid and confirmed orders (0: no cap). */
  LIMIT_UNITS_PER_PRODUCT: count(2),
  /** Orders a buyer may have open and unpaid (PENDING or RESERVED) at once (0: no cap). */
  LIMIT_UNPAID_ORDERS: count(2),
  /** Payment attempts per order; the next is answered 409 ORDER_NOT_PAYABLE (0: no cap). */
  LIMIT_PAYMENT_ATTEMPTS: count(3),
  /** POST /orders per buyer per minute (0: no limit). */
  RATE_ORDERS_PER_MINUTE: count(10),
  /** POST /orders/:id/payment per buyer per minute (0: no limit). */
  RATE_PAYMENTS_PER_MINUTE: count(10),
  /** Requests to POST /orders and /payment per client IP per minute; 0 (the default) is off. */
  RATE_PER_IP_PER_MINUTE: count(0),
  /**
   * Express's `trust proxy`: off by default, so the client IP is the socket's and X-Forwarded-For is ignored. Behind
   * a load balancer set the number of proxy hops (1) or their addresses, so the per-IP limit sees the real client.
   */
  TRUST_PROXY: z.string().default(''),
});

export type LimitsConfig = z.infer<typeof schema>;

export function loadLimitsConfig(env: NodeJS.ProcessEnv = process.env): LimitsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid limits configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** No limit at all: for tests that are not about limits (every one of them places orders as it likes). */
export const NO_LIMITS: LimitsConfig = {
  LIMIT_UNITS_PER_PRODUCT: 0,
  LIMIT_UNPAID_ORDERS: 0,
  LIMIT_PAYMENT_ATTEMPTS: 0,
  RATE_ORDERS_PER_MINUTE: 0,
  RATE_PAYMENTS_PER_MINUTE: 0,
  RATE_PER_IP_PER_MINUTE: 0,
  TRUST_PROXY: '',
};
