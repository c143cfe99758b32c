/**
 * After the sale, in the fault run: some buyers whose order is CONFIRMED then get a partial refund from staff, a pair
 * of staff refunds for the whole amount sent at once (one must win, the other gets 409), or return a unit that staff
 * receive, sellable or damaged. Like the buyers, each request is repeated as it was (same Idempotency-Key) while
 * unanswered or answered 5xx; the invariant check at the end (I8) and the stock verdict judge the outcome.
 */
import type { Answer, ApiClient, BuyerRecord } from './buyers';
import type { Rng } from './random';

const AFTER_SALE_MIX = { none: 72, refund: 12, 'refund-pair': 8, return: 8 } as const;
export type AfterSaleIntent = keyof typeof AFTER_SALE_MIX;

export interface AfterSalePlan {
  intent: AfterSaleIntent;
  /** The share of the order's total a partial refund gives back. */
  refundShare: number;
  /** Whether a returned unit arrives sellable. */
  sellable: boolean;
}

export function planAfterSale(rng: Rng): AfterSalePlan {
  return { intent: rng.weighted(AFTER_SALE_MIX), refundShare: rng.between(0.1, 0.9), sellable: rng.chance(0.7) };
}

/**
 * Hands out after-sale intents to a run's CONFIRMED orders as they come: the first ones take each action in turn, so
 * every run returns a unit and sends refunds whichever orders its faults let confirm (a drawn plan alone left a short
 * run with no return at all); the rest follow their own plan.
 */
export class AfterSaleCoverage {
  private readonly firstOnes: AfterSaleIntent[] = ['return', 'refund-pair', 'refund'];

  intentFor(plan: AfterSalePlan): AfterSalePlan {
    const intent = this.firstOnes.shift();
    return intent ? { ...plan, intent } : plan;
  }
}

type Send = (what: string, request: () => Promise<Answer | string>) => Promise<Answer | string>;

/** What staff and the buyer do after the sale; `order` is the CONFIRMED order as the payment answered it. */
export async function afterTheSale(
  plan: AfterSalePlan,
  key: string,
  order: { id: string; totalCents: number; items: Array<{ productId: number }> },
  api: ApiClient,
  buyerAuth: Record<string, string>,
  send: Send,
  record: BuyerRecord,
): Promise<void> {
  if (plan.intent === 'none') return;
  const staff = await api.authorization('operator');
  const refund = (suffix: string, amountCents: number) =>
    send(`POST /orders/:id/refunds ${suffix}`, () =>
      api.request('POST', `/orders/${order.id}/refunds`, { amountCents, reason: 'fault run', expectedRefundedCents: 0 }, { ...staff, 'idempotency-key': `${key}-${suffix}` }),
    );
  if (plan.intent === 'refund') {
    await refund('partial', Math.max(1, Math.floor(order.totalCents * plan.refundShare)));
    return;
  }
  if (plan.intent === 'refund-pair') {
    const answers = await Promise.all([refund('a', order.totalCents), refund('b', order.totalCents)]);
    const accepted = answers.filter((answer) => typeof answer !== 'string' && answer.status === 202).length;
    if (accepted > 1) record.events.push(`after sale: ${accepted} of a concurrent refund pair were accepted`);
    return;
  }
  const productId = order.items[0].productId;
  const asked = await send('POST /orders/:id/returns', () =>
    api.request('POST', `/orders/${order.id}/returns`, { lines: [{ productId, quantity: 1 }] }, { ...buyerAuth, 'idempotency-key': `${key}-return` }),
  );
  if (typeof asked === 'string' || asked.status !== 201) return;
  const condition = plan.sellable ? 'SELLABLE' : 'DAMAGED';
  await send('POST /returns/:id/receive', () => api.request('POST', `/returns/${asked.body.id}/receive`, { lines: [{ productId, quantity: 1, condition }] }, staff));
}
