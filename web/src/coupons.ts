/**
 * The buyer's coupons: claim one by its code (a drop's link, `#/shop?coupon=CODE`, shows its code ready to claim),
 * the claims they hold and have not used (GET /me/coupons), and which one to apply at the next checkout or reservation.
 * Buyers cannot list coupons (that is staff's), so a drop announces its code, and the page offers it.
 */
import { api, ApiError } from './api';
import { h, money, nodes } from './dom';

interface Claim {
  claimId: string;
  code: string;
  name: string;
  percentOff: number | null;
  amountOffCents: number | null;
  minTotalCents: number | null;
  endsAt: string | null;
}

export interface CouponsPanel {
  element: HTMLElement;
  /** The code chosen to apply at the next order, if any. */
  selected(): string | undefined;
  refresh(): Promise<void>;
}

/** "20% off", "€4.00 off", and the minimum when there is one. */
export const couponOffer = (claim: Pick<Claim, 'percentOff' | 'amountOffCents' | 'minTotalCents'>): string =>
  `${claim.percentOff !== null ? `${claim.percentOff}% off` : `${money(claim.amountOffCents ?? 0)} off`}${claim.minTotalCents ? ` orders of ${money(claim.minTotalCents)} or more` : ''}`;

/** The code a drop's link carries: `#/shop?coupon=CODE`. */
function codeFromLink(): string {
  const query = location.hash.split('?')[1] ?? '';
  return (new URLSearchParams(query).get('coupon') ?? '').toUpperCase();
}

export function couponsPanel(describe: (error: unknown) => string): CouponsPanel {
  const element = h('section', { class: 'card coupons', 'aria-labelledby': 'coupons-title', 'data-testid': 'coupons' });
  const offered = codeFromLink();
  const codeInput = h('input', { id: 'coupon-code', type: 'text', autocomplete: 'off', placeholder: 'e.g. DROP20', value: offered, maxlength: 32 });
  const apply = h('select', { id: 'coupon-apply', 'data-testid': 'coupon-apply' });
  const held = h('ul', { class: 'claims', 'data-testid': 'my-coupons' });
  const message = h('p', { role: 'status', 'data-testid': 'coupon-message' });
  let claims: Claim[] = [];
  let choice = '';

  apply.addEventListener('change', () => (choice = apply.value));

  element.append(
    ...nodes(
      h('h2', { id: 'coupons-title' }, 'Coupons'),
      offered ? h('p', { 'data-testid': 'coupon-offer' }, `This drop has coupon ${offered}: claim it before they run out.`) : null,
      h(
        'form',
        { class: 'claim', onsubmit: (event: Event) => (event.preventDefault(), void claim()) },
        h('label', { for: 'coupon-code' }, 'Coupon code'),
        codeInput,
        h('button', { type: 'submit' }, 'Claim'),
      ),
      message,
      h('h3', {}, 'Your coupons'),
      held,
      h('label', { for: 'coupon-apply' }, 'Apply at checkout'),
      apply,
    ),
  );

  async function claim(): Promise<void> {
    const code = codeInput.value.trim().toUpperCase();
    if (!code) return;
    message.className = '';
    try {
      const claimed = await api<Claim>('POST', `/coupons/${encodeURIComponent(code)}/claims`);
      message.textContent = `Claimed ${claimed.code}: ${couponOffer(claimed)}. Choose it below to apply it at checkout.`;
      choice = claimed.code;
    } catch (error) {
      message.className = 'error';
      message.textContent = error instanceof ApiError && error.code === 'COUPONS_EXHAUSTED' ? `Every ${code} coupon has been claimed.` : describe(error);
    }
    await refresh();
  }

  async function refresh(): Promise<void> {
    try {
      claims = (await api<{ data: Claim[] }>('GET', '/me/coupons')).data;
    } catch {
      return; // shown on the next refresh
    }
    const codes = [...new Set(claims.map((claim) => claim.code))];
    if (!codes.includes(choice)) choice = '';
    held.replaceChildren(
      ...(claims.length === 0
        ? [h('li', { class: 'muted' }, 'None yet.')]
        : claims.map((claim) => h('li', { 'data-testid': `my-coupon-${claim.code}` }, h('strong', {}, claim.code), ` · ${claim.name} · ${couponOffer(claim)}`))),
    );
    apply.replaceChildren(h('option', { value: '' }, 'No coupon'), ...codes.map((code) => h('option', { value: code, selected: code === choice }, code)));
  }

  return { element, selected: () => choice || undefined, refresh };
}
