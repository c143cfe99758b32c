/**
 * The buyers of a fault run: each places one order through the REST API with an Idempotency-Key, then pays (with a
 * token drawn from a mix), cancels, or walks away and lets the hold expire. Like a careful storefront, a buyer retries
 * the SAME request when the API is unreachable or answers 5xx (that is how a storefront survives an API restart),
 * with backoff and a bounded number of tries.
 */
import { signToken } from '../api/auth/sign-token';
import type { Role } from '../api/auth/roles';
import { cartOrderIdFor, orderIdFor } from '../api/order-ids';
import type { OrderStatus } from '../workflows/order-types';
import { afterTheSale, planAfterSale, type AfterSaleCoverage, type AfterSalePlan } from './after-sale';
import { claimFor, planCoupon, type CouponPlan, type CouponRecord, type RunCoupon } from './coupons';
import type { Rng } from './random';

export const PAYMENT_TOKENS = ['tok_visa', 'tok_chargeDeclined', 'tok_insufficientFunds', 'tok_flaky', 'tok_timeout', 'tok_captureFails'] as const;
export type PaymentToken = (typeof PAYMENT_TOKENS)[number];

const TOKEN_MIX: Record<PaymentToken, number> = {
  tok_visa: 55,
  tok_chargeDeclined: 7,
  tok_insufficientFunds: 6,
  tok_flaky: 11,
  tok_timeout: 10,
  tok_captureFails: 11,
};
const INTENT_MIX = { pay: 76, cancel: 10, abandon: 14 } as const;
export type Intent = keyof typeof INTENT_MIX;

export interface BuyerPlan {
  index: number;
  idempotencyKey: string;
  /** Derived from the buyer and key the way the API does (the run holds the secret): known even when the placement's answer is lost. */
  orderId: string;
  customerId: string;
  items: Array<{ productId: number; quantity: number }>;
  intent: Intent;
  /** The payment methods tried in turn: after a decline, some buyers try another card. */
  tokens: PaymentToken[];
  /** Since the load began. */
  arriveAtMs: number;
  /** Pause between the reservation and paying or cancelling. */
  thinkMs: number;
  /** What happens once the order is CONFIRMED: a refund, a concurrent refund pair, a return, or nothing. */
  afterSale: AfterSalePlan;
  /**
   * Every tenth buyer orders through a cart and double-checks-out (two checkouts of one version at once, as a double
   * click or a retry racing the first). Chosen by index, not drawn: every seed's other draws stay what they were.
   * Such a buyer's orderId is the cart's, known once the cart is filled.
   */
  viaCart: boolean;
  /** Whether the buyer claims a coupon of the run's (chaos/coupons.ts), and uses it on the order or never. */
  coupon: CouponPlan;
}

export interface BuyerRecord {
  plan: BuyerPlan;
  /** The buyer's own conclusion from the answers it got. */
  placement: 'RESERVED' | 'OUT_OF_STOCK' | 'GAVE_UP' | 'UNEXPECTED';
  /** Whether an OUT_OF_STOCK answer named an order (REJECTED by the workflow) or came from the sold-out gate. */
  refusedBy?: 'workflow' | 'gate';
  /** The last order status an answer reported (201, 200, 402 PAYMENT_FAILED). */
  answeredStatus?: OrderStatus;
  /** Tokens sent, in order, with the answer code. */
  payments: Array<{ token: PaymentToken; answer: string }>;
  cancel?: string;
  /** Requests that had to be repeated (connection lost, 5xx). */
  retries: number;
  /** A cart buyer's double checkout: the order ids its answers named (one, or the checkout made two orders). */
  checkoutOrderIds?: string[];
  /** A coupon buyer's claim and what became of it. */
  coupon?: CouponRecord;
  /** Every answer and failure, in order: "POST /orders 201", "POST /orders/…/payment ECONNREFUSED"... */
  events: string[];
  finishedAtMs: number;
}

export function planBuyers(
  rng: Rng,
  options: { orders: number; durationMs: number; holdMs: number; productIds: number[]; orderIdSecret: string },
): BuyerPlan[] {
  const spacing = (options.durationMs * 0.9) / options.orders;
  // Drawn from a stream of their own, so every seed plans its sale exactly as before the after-sale actions existed.
  const afterSaleRng = rng.fork('after-sale');
  const couponRng = rng.fork('coupons');
  return Array.from({ length: options.orders }, (_, index): BuyerPlan => {
    const idempotencyKey = `chaos-${rng.seed}-${index}`;
    const first = rng.pick(options.productIds);
    const items = [{ productId: first, quantity: Number(rng.weighted({ '1': 70, '2': 22, '3': 8 })) }];
    if (options.productIds.length > 1 && rng.chance(0.15)) {
      const others = options.productIds.filter((id) => id !== first);
      items.push({ productId: rng.pick(others), quantity: 1 });
    }
    const intent = rng.weighted(INTENT_MIX);
    const firstToken = rng.weighted(TOKEN_MIX);
    const declines = firstToken === 'tok_chargeDeclined' || firstToken === 'tok_insufficientFunds';
    const tokens: PaymentToken[] = declines && rng.chance(0.6) ? [firstToken, rng.chance(0.8) ? 'tok_visa' : 'tok_flaky'] : [firstToken];
    // Most pay quickly; some dawdle until the hold is nearly over, racing the expiry.
    const thinkMs = rng.chance(0.08) ? Math.round(options.holdMs * rng.between(0.8, 1.05)) : rng.int(0, 2_000);
    const customerId = `chaos-buyer-${index}`;
    const coupon = planCoupon(couponRng);
    return {
      index,
      idempotencyKey,
      orderId: orderIdFor(idempotencyKey, { secret: options.orderIdSecret, callerId: customerId }),
      customerId,
      items,
      // A buyer who cancels to order again with the claim given back cancels whatever was drawn.
      intent: coupon.use === 'cancel' ? 'cancel' : intent,
      tokens,
      arriveAtMs: Math.round(index * spacing + rng.between(0, spacing)),
      thinkMs,
      afterSale: planAfterSale(afterSaleRng),
      viaCart: index % 10 === 9,
      coupon,
    };
  });
}

export interface Answer {
  status: number;
  body: any;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Talks to the API and counts the requests open on it (the API-kill fault reports how many it cut). */
export class ApiClient {
  inFlight = 0;
  readonly statusCounts = new Map<string, number>();

  private readonly tokens = new Map<string, Promise<string>>();
  private readonly baseUrls: string[];
  private sent = 0;

  constructor(
    /** One API, or several instances that take the requests in turn, as a round-robin load balancer does. */
    baseUrls: string | string[],
    /** AUTH_JWT_SECRET of the run's API: every buyer is a distinct customer with a token of their own. */
    private readonly authSecret: string,
    private readonly timeoutMs = 45_000,
  ) {
    this.baseUrls = typeof baseUrls === 'string' ? [baseUrls] : baseUrls;
  }

  /** `Authorization` for a buyer (customer role, sub = their customer id) or for staff (operator). */
  async authorization(who: { customerId: string } | 'operator' | 'admin'): Promise<Record<string, string>> {
    const [sub, roles]: [string, Role[]] = typeof who === 'string' ? [`chaos-${who}`, [who]] : [who.customerId, ['customer']];
    let token = this.tokens.get(sub);
    if (!token) {
      token = signToken(this.authSecret, { sub, roles, ttlSeconds: 24 * 3_600 });
      this.tokens.set(sub, token);
    }
    return { authorization: `Bearer ${await token}` };
  }

  /** An answer, or the network failure as a string (ECONNREFUSED, socket hang up, timeout). */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer | string> {
    this.inFlight += 1;
    const route = `${method} ${path
      .replace(/(ord|ret)_[A-Za-z0-9_-]+/, ':id')
      .replace(/crt_[a-f0-9]+/, ':id')
      .replace(/\/lines\/\d+/, '/lines/:productId')
      .replace(/\/coupons\/[A-Z0-9_-]+\/claims/, '/coupons/:code/claims')}`;
    try {
      // Round-robin: a buyer's retry after an instance died goes to the next one.
      const baseUrl = this.baseUrls[this.sent++ % this.baseUrls.length];
      const response = await fetch(baseUrl + path, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      this.count(`${route} ${response.status}${(parsed as { code?: string })?.code ? ` ${(parsed as { code: string }).code}` : ''}`);
      return { status: response.status, body: parsed };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const failure = (error as Error).name === 'TimeoutError' ? 'TIMEOUT' : (cause?.code ?? cause?.message ?? (error as Error).message);
      this.count(`${route} ${failure}`);
      return failure;
    } finally {
      this.inFlight -= 1;
    }
  }

  private count(key: string): void {
    this.statusCounts.set(key, (this.statusCounts.get(key) ?? 0) + 1);
  }
}

/** Retry an unanswered or 5xx request (the API restarting, a backing service briefly away); anything else is an answer. */
const shouldRetry = (answer: Answer | string) => typeof answer === 'string' || answer.status >= 500 || answer.status === 429;
export const describe = (answer: Answer | string) => (typeof answer === 'string' ? answer : `${answer.status}${answer.body?.code ? ` ${answer.body.code}` : ''}`);

/** The same request until it is answered, at most `attempts` times, backing off 250 ms → 4 s. */
export async function withRetries(
  record: BuyerRecord,
  what: string,
  attempts: number,
  deadline: number,
  send: () => Promise<Answer | string>,
): Promise<Answer | string> {
  let answer: Answer | string = 'NOT_SENT';
  for (let attempt = 1; attempt <= attempts && Date.now() < deadline; attempt += 1) {
    if (attempt > 1) {
      record.retries += 1;
      await sleep(Math.min(250 * 2 ** (attempt - 2), 4_000));
    }
    answer = await send();
    record.events.push(`${what} ${describe(answer)}`);
    if (!shouldRetry(answer)) return answer;
  }
  return answer;
}

export interface BuyerContext {
  api: ApiClient;
  /** The run's coupons (registered before the load), by kind. */
  coupons: RunCoupon[];
  /** The API's ORDER_ID_SECRET: a cart buyer's order id is derived from their cart and its version with it. */
  orderIdSecret: string;
  loadStartedAt: number;
  /** No buyer starts a request after this (epoch ms): the run is bounded. */
  deadline: number;
  afterSale: AfterSaleCoverage;
}

/** One buyer's whole visit; never throws. */
export async function runBuyer(plan: BuyerPlan, context: BuyerContext): Promise<BuyerRecord> {
  const record: BuyerRecord = { plan, placement: 'GAVE_UP', payments: [], retries: 0, events: [], finishedAtMs: 0 };
  try {
    await visit(plan, record, context);
  } catch (error) {
    record.events.push(`harness error: ${(error as Error).message}`);
  }
  record.finishedAtMs = Date.now() - context.loadStartedAt;
  return record;
}

async function visit(plan: BuyerPlan, record: BuyerRecord, { api, deadline, orderIdSecret, coupons, afterSale }: BuyerContext): Promise<void> {
  const auth = await api.authorization(plan);
  const send = (what: string, request: () => Promise<Answer | string>) => withRetries(record, what, 6, deadline, request);
  const runCoupon = coupons.find((coupon) => coupon.kind === plan.coupon.coupon);
  if (plan.coupon.use !== 'none' && runCoupon) record.coupon = await claimFor(runCoupon.code, api, auth, send, record);
  // Only a claim the buyer knows it holds goes on the order; a claim-only buyer keeps theirs unused.
  const couponCode = plan.coupon.use !== 'claim-only' && record.coupon?.claim === 'CLAIMED' ? record.coupon.code : undefined;
  if (couponCode) record.coupon!.ordered = true;
  const withCoupon = couponCode ? { couponCode } : {};
  const placed = plan.viaCart
    ? await doubleCheckout(plan, record, api, deadline, auth, orderIdSecret, withCoupon)
    : await withRetries(record, 'POST /orders', 8, deadline, () =>
        api.request('POST', '/orders', { items: plan.items, ...withCoupon }, { 'idempotency-key': plan.idempotencyKey, ...auth }),
      );
  if (typeof placed === 'string' || placed.status >= 500) {
    record.placement = 'GAVE_UP';
    return;
  }
  if (placed.status === 409 && placed.body?.code === 'OUT_OF_STOCK') {
    record.placement = 'OUT_OF_STOCK';
    record.refusedBy = placed.body.orderId ? 'workflow' : 'gate';
    if (placed.body.orderId) record.answeredStatus = 'REJECTED';
    return;
  }
  if (placed.status !== 201) {
    record.placement = 'UNEXPECTED';
    return;
  }
  record.placement = 'RESERVED';
  record.answeredStatus = placed.body.status;
  if (placed.body.id !== plan.orderId) record.events.push(`placement answered order ${placed.body.id}, expected ${plan.orderId}`);

  await sleep(plan.thinkMs);
  if (plan.intent === 'abandon') return;
  const orderPath = `/orders/${plan.orderId}`;

  if (plan.intent === 'cancel') {
    const answer = await withRetries(record, 'POST /orders/:id/cancel', 6, deadline, () => api.request('POST', `${orderPath}/cancel`, undefined, auth));
    record.cancel = describe(answer);
    if (typeof answer !== 'string' && answer.status === 200) record.answeredStatus = answer.body.status;
    // The cancel answers once its compensations ran: the claim is the buyer's again, to order with at once.
    if (couponCode && record.answeredStatus === 'CANCELLED') await orderAgainWithTheClaim(plan, record, api, auth, send, orderIdSecret, couponCode);
    return;
  }

  // Paying: each token once (repeated only while unanswered); a decline moves on to the next token.
  let sends = 0;
  for (const token of plan.tokens) {
    let unanswered = false;
    let pause = 0;
    for (;;) {
      // Bounded: a few tokens, and an API restart (a few seconds) is outlasted by ~20 s of backoff per token.
      if (sends >= 12 || Date.now() >= deadline) return;
      if (pause > 0) await sleep(pause);
      pause = Math.min(Math.max(pause * 2, 500), 4_000);
      sends += 1;
      if (unanswered) record.retries += 1;
      const answer = await api.request('POST', `${orderPath}/payment`, { paymentToken: token }, auth);
      record.events.push(`POST /orders/:id/payment ${token} ${describe(answer)}`);
      record.payments.push({ token, answer: describe(answer) });
      if (typeof answer === 'string' || (answer.status >= 500 && answer.body?.code !== 'PAYMENT_PROVIDER_UNAVAILABLE')) {
        // Unknown outcome: the same payment again is safe while the order is RESERVED and nothing is deciding it;
        // otherwise the workflow refuses it (409 ORDER_NOT_PAYABLE) and the order's final state tells.
        unanswered = true;
        continue;
      }
      if (answer.status === 200) {
        record.answeredStatus = answer.body.status;
        if (answer.body.status === 'CONFIRMED') await afterTheSale(afterSale.intentFor(plan.afterSale), plan.idempotencyKey, answer.body, api, auth, send, record);
        return;
      }
      if (answer.status === 402 && answer.body?.code === 'PAYMENT_FAILED') {
        record.answeredStatus = answer.body.order?.status;
        return;
      }
      if (answer.status === 402 && answer.body?.code === 'PAYMENT_DECLINED') break; // next token
      if (answer.status === 503) {
        // The provider stayed unavailable through the workflow's retries: the order is still RESERVED; try once more.
        if (unanswered) break;
        unanswered = true;
        continue;
      }
      // 409 ORDER_NOT_PAYABLE (hold over, or an earlier unanswered attempt is deciding it) or anything else: done.
      return;
    }
  }
}

/**
 * Fills a cart with the plan's lines, then checks its version out twice at once. Both answers must name one order
 * (the cart's version names it); the first answer stands for the placement. The plan's orderId becomes the cart's.
 */
async function doubleCheckout(
  plan: BuyerPlan,
  record: BuyerRecord,
  api: ApiClient,
  deadline: number,
  auth: Record<string, string>,
  orderIdSecret: string,
  withCoupon: { couponCode?: string },
): Promise<Answer | string> {
  const opened = await withRetries(record, 'POST /carts', 8, deadline, () => api.request('POST', '/carts', undefined, auth));
  if (typeof opened === 'string' || opened.status >= 300) return opened;
  const cartPath = `/carts/${opened.body.id}`;
  for (const item of plan.items) {
    const set = await withRetries(record, 'PUT /carts/:id/lines/:productId', 8, deadline, () => api.request('PUT', `${cartPath}/lines/${item.productId}`, { quantity: item.quantity }, auth));
    if (typeof set === 'string' || set.status >= 300) return set;
  }
  // Read back: a PUT repeated after a lost answer raised the version again.
  const cart = await withRetries(record, 'GET /carts/:id', 8, deadline, () => api.request('GET', cartPath, undefined, auth));
  if (typeof cart === 'string' || cart.status >= 300) return cart;
  plan.orderId = cartOrderIdFor(cart.body.id, cart.body.version, orderIdSecret);
  const checkout = () =>
    withRetries(record, 'POST /carts/:id/checkout', 8, deadline, () => api.request('POST', `${cartPath}/checkout`, { expectedVersion: cart.body.version, ...withCoupon }, auth));
  const answers = await Promise.all([checkout(), checkout()]);
  const named = answers.map((answer) => (typeof answer === 'string' ? undefined : (answer.body?.id ?? answer.body?.orderId))).filter((id): id is string => typeof id === 'string');
  record.checkoutOrderIds = [...new Set(named)];
  return answers[0];
}

/**
 * After a cancel gave the claim back: the same lines ordered again with it (a new Idempotency-Key). The claim must be
 * accepted (a 409 COUPON_NOT_CLAIMED is a claim the compensation did not give back); the order is left to expire.
 */
async function orderAgainWithTheClaim(plan: BuyerPlan, record: BuyerRecord, api: ApiClient, auth: Record<string, string>, send: Send, orderIdSecret: string, couponCode: string): Promise<void> {
  const idempotencyKey = `${plan.idempotencyKey}-again`;
  const answer = await send('POST /orders (the claim again)', () => api.request('POST', '/orders', { items: plan.items, couponCode }, { 'idempotency-key': idempotencyKey, ...auth }));
  record.coupon!.again = { orderId: orderIdFor(idempotencyKey, { secret: orderIdSecret, callerId: plan.customerId }), answer: describe(answer) };
}

type Send = (what: string, request: () => Promise<Answer | string>) => Promise<Answer | string>;

/** Runs every buyer at its arrival time, at most `concurrency` at once; resolves when all are done. */
export async function runBuyers(plans: BuyerPlan[], context: BuyerContext, concurrency: number, onDone?: (record: BuyerRecord) => void): Promise<BuyerRecord[]> {
  const records: BuyerRecord[] = new Array(plans.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= plans.length) return;
      const plan = plans[index];
      await sleep(context.loadStartedAt + plan.arriveAtMs - Date.now());
      records[index] = await runBuyer(plan, context);
      onDone?.(records[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, lane));
  return records;
}
