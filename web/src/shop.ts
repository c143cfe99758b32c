/** The storefront: products with live availability, reserve, the hold's countdown, pay with a test token, my orders. */
import type { ProductResponse } from '../../api/openapi/response-schemas';
import { api, ApiError } from './api';
import { clock, every, h, money, nodes, remaining, statusBadge } from './dom';
import { currentSession, hasRole } from './session';
import { PAYMENT_TOKENS } from './tokens';

type Product = ProductResponse;

export interface Order {
  id: string;
  customerId: string;
  status: string;
  items: Array<{ productId: number; sku: string; quantity: number; unitPriceCents: number }>;
  totalCents: number;
  reservedUntil: string | null;
  failureReason?: string;
}

const OPEN = new Set(['PENDING', 'RESERVED']);

export function mountShop(root: HTMLElement): () => void {
  const stops: Array<() => void> = [];
  if (!hasRole('customer')) {
    root.append(
      h('section', { class: 'card' }, h('h1', {}, 'Storefront'), h('p', {}, 'Sign in as a buyer (role customer) to see the products and buy. Use the sign-in at the top.')),
    );
    return () => undefined;
  }

  const productList = h('ul', { class: 'products', 'aria-label': 'Products' });
  const productsStatus = h('p', { class: 'muted', role: 'status' });
  const orderPanel = h('section', { class: 'card order', 'aria-labelledby': 'order-title', 'data-testid': 'order-panel' });
  const myOrders = h('ul', { class: 'my-orders', 'data-testid': 'my-orders' });
  let activeOrderId: string | null = null;
  let stopOrderPoll: (() => void) | null = null;
  let activeView: OrderView | null = null;

  root.append(
    h(
      'div',
      { class: 'shop' },
      h('section', { class: 'card' }, h('h1', {}, 'Products'), productsStatus, productList),
      orderPanel,
      h('section', { class: 'card' }, h('h2', {}, 'My orders'), myOrders),
    ),
  );
  orderPanel.hidden = true;

  // Cards are made once per product and updated in place, so a refresh never takes the focus or a typed quantity.
  const cards = new Map<number, { card: HTMLElement; update: (product: Product) => void }>();
  async function refreshProducts(): Promise<void> {
    try {
      // Every page (a catalogue of a few hundred at most): the newest products are on the last one.
      const data: Product[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page += 1) {
        const answer: { data: Product[]; nextCursor: string | null } = await api('GET', `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        data.push(...answer.data);
        cursor = answer.nextCursor;
        if (!cursor) break;
      }
      productsStatus.textContent = data.length === 0 ? 'No products yet.' : `Updated ${new Date().toLocaleTimeString('en-GB')}`;
      for (const product of data) {
        let entry = cards.get(product.id);
        if (!entry) {
          entry = productCard(product);
          cards.set(product.id, entry);
          productList.append(entry.card);
        }
        entry.update(product);
      }
    } catch (error) {
      productsStatus.textContent = `Could not load products: ${(error as Error).message}`;
    }
  }

  function productCard(first: Product): { card: HTMLElement; update: (product: Product) => void } {
    let current = first;
    const inputId = `qty-${first.id}`;
    const quantity = h('input', { id: inputId, type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' });
    const availability = h('p', { class: 'availability', 'data-testid': 'available' });
    const button = h('button', { type: 'button', onclick: () => void reserve(current, Number(quantity.value)) }, 'Reserve');
    const card = h(
      'li',
      { class: 'product', 'data-testid': `product-${first.sku}` },
      h('div', { class: 'product-head' }, h('strong', {}, first.name), h('span', { class: 'price' }, money(first.priceCents))),
      availability,
      h('div', { class: 'buy' }, h('label', { for: inputId }, 'Quantity'), quantity, button),
    );
    const update = (product: Product) => {
      current = product;
      const soldOut = (product.available ?? 0) <= 0;
      const text = soldOut ? 'Sold out' : `${product.available} of ${product.stock} left`;
      if (availability.textContent !== text) availability.textContent = text;
      availability.className = soldOut ? 'availability sold-out' : 'availability';
      quantity.disabled = soldOut;
      button.disabled = soldOut;
      button.textContent = soldOut ? 'Sold out' : 'Reserve';
    };
    return { card, update };
  }

  async function reserve(product: Product, quantity: number): Promise<void> {
    try {
      const order = await api<Order>('POST', '/orders', { items: [{ productId: product.id, quantity }] }, { idempotencyKey: crypto.randomUUID() });
      showOrder(order.id, order);
      void refreshProducts();
      void refreshMyOrders();
    } catch (error) {
      orderPanel.hidden = false;
      orderPanel.replaceChildren(h('h2', { id: 'order-title' }, 'Not reserved'), h('p', { role: 'alert', class: 'error' }, describe(error)));
    }
  }

  function showOrder(orderId: string, first?: Order): void {
    activeOrderId = orderId;
    stopOrderPoll?.();
    activeView?.dispose();
    orderPanel.hidden = false;
    const view = (activeView = new OrderView(orderPanel, orderId, () => {
      void refreshProducts();
      void refreshMyOrders();
    }));
    if (first) view.render(first);
    stopOrderPoll = every(1_000, () => view.refresh());
    stops.push(() => stopOrderPoll?.(), () => view.dispose());
  }

  async function refreshMyOrders(): Promise<void> {
    try {
      const { data } = await api<{ data: Order[] }>('GET', '/orders?limit=20');
      myOrders.replaceChildren(
        ...(data.length === 0
          ? [h('li', { class: 'muted' }, 'No orders yet.')]
          : data.map((order) =>
              h(
                'li',
                {},
                h('button', { type: 'button', class: 'link', onclick: () => showOrder(order.id), 'aria-current': order.id === activeOrderId ? 'true' : undefined }, order.id),
                ' ',
                statusBadge(order.status),
                ' ',
                h('span', { class: 'muted' }, `${order.items.map((item) => `${item.quantity}× ${item.sku}`).join(', ')} · ${money(order.totalCents)}`),
              ),
            )),
      );
    } catch {
      // shown on the next refresh
    }
  }

  stops.push(every(2_000, refreshProducts), every(3_000, refreshMyOrders));
  return () => stops.forEach((stop) => stop());
}

/** One order: its status as it moves, the hold's countdown, the token picker, pay and cancel. */
class OrderView {
  private order: Order | null = null;
  private message: { text: string; kind: 'error' | 'info' } | null = null;
  private readonly countdown = h('p', { class: 'countdown', 'data-testid': 'countdown', 'aria-live': 'off' });
  private countdownTimer: number | undefined;
  private busy = false;
  private selectedToken = PAYMENT_TOKENS[0].token;

  constructor(
    private readonly panel: HTMLElement,
    private readonly orderId: string,
    private readonly changed: () => void,
  ) {
    this.countdownTimer = window.setInterval(() => this.tick(), 250);
  }

  async refresh(): Promise<void> {
    if (this.order && !OPEN.has(this.order.status)) return;
    const order = await api<Order>('GET', `/orders/${this.orderId}`);
    const moved = order.status !== this.order?.status;
    // Re-rendered only when the order moved: a refresh must not close the picker a buyer has open.
    if (!moved) return;
    const hadOrder = this.order !== null;
    this.render(order);
    if (hadOrder) this.changed();
  }

  render(order: Order): void {
    this.order = order;
    const open = OPEN.has(order.status);
    const tokenId = `token-${order.id}`;
    const explain = h('p', { id: `${tokenId}-help`, class: 'muted' }, PAYMENT_TOKENS.find((row) => row.token === this.selectedToken)?.explains ?? '');
    const picker = h(
      'select',
      { id: tokenId, 'aria-describedby': `${tokenId}-help`, 'data-testid': 'token-picker' },
      ...PAYMENT_TOKENS.map((row) => h('option', { value: row.token, selected: row.token === this.selectedToken }, `${row.label} (${row.token})`)),
    );
    picker.addEventListener('change', () => {
      this.selectedToken = picker.value;
      explain.textContent = PAYMENT_TOKENS.find((row) => row.token === picker.value)?.explains ?? '';
    });
    this.panel.replaceChildren(...nodes(
      h('h2', { id: 'order-title' }, 'Your order'),
      h('p', {}, h('code', { 'data-testid': 'order-id' }, order.id), ' ', h('span', { role: 'status', 'aria-live': 'polite' }, statusBadge(order.status))),
      h('p', {}, `${order.items.map((item) => `${item.quantity}× ${item.sku}`).join(', ')} — total ${money(order.totalCents)}`),
      open && order.reservedUntil ? this.countdown : null,
      order.failureReason ? h('p', { class: 'muted' }, order.failureReason) : null,
      this.message ? h('p', { role: this.message.kind === 'error' ? 'alert' : 'status', class: this.message.kind, 'data-testid': 'order-message' }, this.message.text) : null,
      open
        ? h(
            'form',
            { class: 'pay', onsubmit: (event: Event) => (event.preventDefault(), void this.pay(picker.value)) },
            h('label', { for: tokenId }, 'Pay with a test token'),
            picker,
            explain,
            h('div', { class: 'actions' }, h('button', { type: 'submit', disabled: this.busy }, 'Pay'), h('button', { type: 'button', class: 'secondary', disabled: this.busy, onclick: () => void this.cancel() }, 'Cancel order')),
          )
        : h('p', { class: 'muted' }, terminalText(order.status)),
    ));
    this.tick();
  }

  private tick(): void {
    if (!this.order?.reservedUntil || !OPEN.has(this.order.status)) return;
    this.countdown.textContent = `Held for you: ${remaining(this.order.reservedUntil)} left (until ${clock(this.order.reservedUntil)})`;
  }

  private async pay(token: string): Promise<void> {
    await this.act(async () => {
      const order = await api<Order>('POST', `/orders/${this.orderId}/payment`, { paymentToken: token });
      this.message = { text: 'Payment accepted.', kind: 'info' };
      return order;
    });
  }

  private async cancel(): Promise<void> {
    await this.act(async () => {
      const order = await api<Order>('POST', `/orders/${this.orderId}/cancel`, {});
      this.message = { text: 'Order cancelled; the units are back on sale.', kind: 'info' };
      return order;
    });
  }

  private async act(action: () => Promise<Order>): Promise<void> {
    this.busy = true;
    this.message = null;
    if (this.order) this.render(this.order);
    try {
      this.render(await action());
    } catch (error) {
      this.message = { text: describe(error), kind: 'error' };
      const order = (error instanceof ApiError ? (error.body.order as Order | undefined) : undefined) ?? (await api<Order>('GET', `/orders/${this.orderId}`).catch(() => this.order));
      if (order) this.render(order);
    } finally {
      this.busy = false;
      if (this.order) this.render(this.order);
      this.changed();
    }
  }

  dispose(): void {
    window.clearInterval(this.countdownTimer);
  }
}

function terminalText(status: string): string {
  switch (status) {
    case 'CONFIRMED':
      return 'Paid and confirmed. Thank you!';
    case 'EXPIRED':
      return 'The hold ended before payment: the units went back on sale.';
    case 'CANCELLED':
      return 'Cancelled: the units went back on sale.';
    case 'FAILED':
      return 'The payment failed after it began; it was reversed and the units went back on sale.';
    case 'REJECTED':
      return 'Not enough units were left.';
    default:
      return '';
  }
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return (error as Error).message;
}

export const currentBuyer = (): string | null => currentSession()?.sub ?? null;
