/** The buyer's cart: add, change a quantity, remove, the estimated total, and checkout (which answers an order). */
import { queueTicketHeader } from './queue';
import { api, ApiError } from './api';
import { h, money } from './dom';

interface CartLine {
  productId: number;
  sku: string;
  name: string;
  quantity: number;
  priceCents: number;
  available: number | null;
}

interface Cart {
  id: string;
  status: 'OPEN' | 'CHECKED_OUT';
  version: number;
  orderId: string | null;
  lines: CartLine[];
  estimatedTotalCents: number;
}

export interface CartPanel {
  element: HTMLElement;
  add(productId: number, quantity: number): Promise<void>;
  refresh(): Promise<void>;
}

/**
 * The cart panel. It shows the buyer's open cart (none until the first add); checkout places its lines as one order
 * (`onOrder` shows it with the hold's countdown and payment), with the coupon the buyer chose to apply (`couponCode`). The checkout button is disabled while one runs, and the
 * API makes one order of a cart version however often it is asked.
 */
export function cartPanel(onOrder: (order: { id: string }) => void, describe: (error: unknown) => string, couponCode: () => string | undefined = () => undefined): CartPanel {
  const element = h('section', { class: 'card cart', 'aria-labelledby': 'cart-title', 'data-testid': 'cart' });
  let cart: Cart | null = null;
  let message: { text: string; kind: 'error' | 'info' } | null = null;
  let busy = false;

  const render = () => {
    const lines = cart?.status === 'OPEN' ? cart.lines : [];
    element.replaceChildren(
      h('h2', { id: 'cart-title' }, 'Your cart'),
      lines.length === 0
        ? h('p', { class: 'muted' }, 'Your cart is empty.')
        : h(
            'ul',
            { class: 'cart-lines' },
            ...lines.map((line) => {
              const inputId = `cart-qty-${line.productId}`;
              const quantity = h('input', { id: inputId, type: 'number', min: 0, max: 100, value: line.quantity, inputmode: 'numeric' });
              quantity.addEventListener('change', () => void change(() => setLine(line.productId, Number(quantity.value))));
              return h(
                'li',
                { 'data-testid': `cart-line-${line.sku}` },
                h('span', {}, `${line.name} · ${money(line.priceCents)}`),
                line.available !== null && line.available < line.quantity ? h('span', { class: 'error' }, ` only ${line.available} left`) : null,
                h('label', { for: inputId, class: 'visually-hidden' }, `Quantity of ${line.name}`),
                quantity,
                h('button', { type: 'button', class: 'secondary', onclick: () => void change(() => removeLine(line.productId)) }, 'Remove'),
              );
            }),
          ),
      h('p', { 'data-testid': 'cart-total' }, `Estimated total: ${money(lines.reduce((sum, line) => sum + line.quantity * line.priceCents, 0))}`),
      message ? h('p', { role: message.kind === 'error' ? 'alert' : 'status', class: message.kind }, message.text) : '',
      h('button', { type: 'button', disabled: busy || lines.length === 0, onclick: (event: Event) => void checkout(event.currentTarget as HTMLButtonElement) }, 'Checkout'),
    );
  };

  async function openCart(): Promise<Cart> {
    if (cart?.status === 'OPEN') return cart;
    // One open cart per buyer: POST /carts answers the open one, or makes it.
    return (cart = await api<Cart>('POST', '/carts'));
  }

  async function setLine(productId: number, quantity: number): Promise<void> {
    const open = await openCart();
    cart = await api<Cart>('PUT', `/carts/${open.id}/lines/${productId}`, { quantity });
  }

  async function removeLine(productId: number): Promise<void> {
    cart = await api<Cart>('DELETE', `/carts/${(await openCart()).id}/lines/${productId}`);
  }

  async function change(step: () => Promise<void>): Promise<void> {
    message = null;
    try {
      await step();
    } catch (error) {
      message = { text: describe(error), kind: 'error' };
    }
    render();
  }

  async function checkout(button: HTMLButtonElement): Promise<void> {
    if (!cart || busy) return;
    busy = true;
    button.disabled = true; // at once, before any await: a second click of a double click finds it disabled
    message = null;
    try {
      const code = couponCode();
      const order = await api<{ id: string }>('POST', `/carts/${cart.id}/checkout`, { expectedVersion: cart.version, ...(code ? { couponCode: code } : {}) }, { idempotencyKey: `${cart.id}:${cart.version}`, headers: queueTicketHeader(cart.lines.map((line) => line.productId)) });
      onOrder(order);
      message = { text: 'Checked out: pay for your order below.', kind: 'info' };
      cart = null;
    } catch (error) {
      message = { text: describe(error), kind: 'error' };
      await refresh();
    } finally {
      busy = false;
      render();
    }
  }

  async function refresh(): Promise<void> {
    try {
      const mine = await api<Cart>('GET', '/carts/mine');
      cart = mine.status === 'OPEN' ? mine : null;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'CART_NOT_FOUND')) throw error;
      cart = null;
    }
    render();
  }

  render();
  return {
    element,
    add: (productId, quantity) =>
      change(async () => {
        const existing = (await openCart()).lines.find((line) => line.productId === productId)?.quantity ?? 0;
        await setLine(productId, existing + quantity);
      }),
    refresh,
  };
}
