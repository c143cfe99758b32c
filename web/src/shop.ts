/**
 * The storefront: products with live availability and a search box for anyone; a cart, buy now, the hold's countdown,
 * pay with a test token and my orders once signed in as a buyer (asked for only when adding to the cart or buying).
 */
import type { ProductResponse } from '../../api/openapi/response-schemas';
import { api, ApiError } from './api';
import { cartPanel } from './cart';
import { couponsPanel } from './coupons';
import { clock, every, h, money, nodes, remaining, statusBadge } from './dom';
import { currentSession, hasRole } from './session';
import { PAYMENT_TOKENS } from './tokens';
import { DropQueue } from './queue';

type Product = ProductResponse;

export interface Order {
  id: string;
  customerId: string;
  status: string;
  items: Array<{ productId: number; sku: string; quantity: number; unitPriceCents: number }>;
  /** After the coupon's discount, when one applies. */
  totalCents: number;
  couponCode?: string;
  discountCents?: number;
  reservedUntil: string | null;
  failureReason?: string;
}

const OPEN = new Set(['PENDING', 'RESERVED']);

export function mountShop(root: HTMLElement): () => void {
  const stops: Array<() => void> = [];
  const buyer = hasRole('customer');
  const productList = h('ul', { class: 'products', 'aria-label': 'Products' });
  const productsStatus = h('p', { class: 'muted', role: 'status' });
  const search = h('input', { id: 'product-search', type: 'search', placeholder: 'name or sku', autocomplete: 'off' });
  const orderPanel = h('section', { class: 'card order', 'aria-labelledby': 'order-title', 'data-testid': 'order-panel' });
  const myOrders = h('ul', { class: 'my-orders', 'data-testid': 'my-orders' });
  const coupons = couponsPanel(describe);
  const cart = cartPanel(
    (order) => {
      showOrder(order.id);
      void refreshProducts();
      void refreshMyOrders();
    },
    describe,
    () => coupons.selected(),
  );
  let activeOrderId: string | null = null;
  let stopOrderPoll: (() => void) | null = null;
  let activeView: OrderView | null = null;
  let query = '';

  root.append(
    h(
      'div',
      { class: 'shop' },
      h(
        'section',
        { class: 'card' },
        h('h1', {}, 'Products'),
        h('form', { role: 'search', class: 'search', onsubmit: (event: Event) => event.preventDefault() }, h('label', { for: 'product-search' }, 'Search products'), search),
        productsStatus,
        productList,
      ),
      orderPanel,
      buyer ? coupons.element : null,
      buyer ? cart.element : null,
      buyer ? h('section', { class: 'card' }, h('h2', {}, 'My orders'), myOrders) : null,
    ),
  );
  orderPanel.hidden = true;
  let searchTimer: number | undefined;
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      query = search.value.trim();
      productList.replaceChildren();
      for (const entry of cards.values()) entry.stop();
      cards.clear();
      void refreshProducts();
    }, 250);
  });

  /** A visitor is asked to sign in only when they add to the cart or buy. */
  function askToSignIn(): void {
    orderPanel.hidden = false;
    orderPanel.replaceChildren(h('h2', { id: 'order-title' }, 'Sign in to buy'), h('p', { role: 'alert', 'data-testid': 'sign-in-prompt' }, 'Sign in as a buyer (at the top of the page) to add to your cart or buy.'));
    document.querySelector<HTMLElement>('#session input, #session button')?.focus();
  }

  // Cards are made once per product and updated in place, so a refresh never takes the focus or a typed quantity.
  const cards = new Map<number, { card: HTMLElement; update: (product: Product) => void; stop: () => void; queue: DropQueue | null }>();
  async function refreshProducts(): Promise<void> {
    try {
      // Every page (a catalogue of a few hundred at most): the newest products are on the last one.
      const data: Product[] = [];
      let cursor: string | null = null;
      const asked = query;
      for (let page = 0; page < 10; page += 1) {
        const filter = asked ? `&q=${encodeURIComponent(asked)}` : '';
        const answer: { data: Product[]; nextCursor: string | null } = await api('GET', `/products?limit=100${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        data.push(...answer.data);
        cursor = answer.nextCursor;
        if (!cursor) break;
      }
      if (asked !== query) return; // the search changed meanwhile: its own refresh shows it
      productsStatus.textContent = data.length === 0 ? (asked ? `No product matches "${asked}".` : 'No products yet.') : `Updated ${new Date().toLocaleTimeString('en-GB')}`;
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

  function productCard(first: Product): { card: HTMLElement; update: (product: Product) => void; stop: () => void; queue: DropQueue | null } {
    let current = first;
    let admitted = false;
    const inputId = `qty-${first.id}`;
    const quantity = h('input', { id: inputId, type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' });
    const availability = h('p', { class: 'availability', 'data-testid': 'available' });
    const button = h('button', { type: 'button', onclick: () => (buyer ? void reserve(current, Number(quantity.value), queue?.admittedTicket ?? undefined) : askToSignIn()) }, 'Reserve');
    const startsAt = h('p', { class: 'muted', 'data-testid': 'sale-starts' });
    const joinPrompt = first.queue && !buyer ? h('button', { type: 'button', onclick: askToSignIn }, 'Join the queue') : null;
    const addToCart = h('button', { type: 'button', class: 'secondary', onclick: () => (buyer ? void cart.add(current.id, Number(quantity.value)) : askToSignIn()) }, 'Add to cart');
    // A queued drop: the buyer joins its waiting room and may reserve once admitted (visitors are asked to sign in).
    const queue = first.queue && buyer ? new DropQueue(first.id, (now) => ((admitted = now), update(current)), describe) : null;
    const card = h(
      'li',
      { class: 'product', 'data-testid': `product-${first.sku}` },
      h('div', { class: 'product-head' }, h('strong', {}, first.name), h('span', { class: 'price' }, money(first.priceCents))),
      availability,
      startsAt,
      queue?.element ?? joinPrompt,
      h('div', { class: 'buy' }, h('label', { for: inputId }, 'Quantity'), quantity, button, addToCart),
    );
    function update(product: Product): void {
      current = product;
      const soldOut = (product.available ?? 0) <= 0;
      const text = soldOut ? 'Sold out' : `${product.available} of ${product.stock} left`;
      if (availability.textContent !== text) availability.textContent = text;
      availability.className = soldOut ? 'availability sold-out' : 'availability';
      quantity.disabled = soldOut;
      button.disabled = soldOut;
      addToCart.disabled = soldOut;
      button.textContent = soldOut ? 'Sold out' : 'Reserve';
      // Before the start the API refuses an order (SALE_NOT_STARTED); the card says when it opens.
      const opens = product.saleStartsAt && Date.parse(product.saleStartsAt) > Date.now() ? `On sale from ${new Date(product.saleStartsAt).toLocaleString('en-GB')}` : '';
      if (startsAt.textContent !== opens) startsAt.textContent = opens;
      startsAt.hidden = opens === '';
      if (product.queue && !soldOut && !admitted) {
        button.disabled = true;
        button.textContent = 'Reserve (once admitted)';
      }
    }
    return { card, update, stop: () => queue?.stop(), queue };
  }

  async function reserve(product: Product, quantity: number, queueTicket?: string): Promise<void> {
    try {
      const couponCode = coupons.selected();
      const order = await api<Order>(
        'POST',
        '/orders',
        { items: [{ productId: product.id, quantity }], ...(couponCode ? { couponCode } : {}) },
        { idempotencyKey: crypto.randomUUID(), headers: queueTicket ? { 'Queue-Ticket': queueTicket } : {} },
      );
      showOrder(order.id, order);
      // The admission is used by this order: the queue panel says so.
      void cards.get(product.id)?.queue?.refresh();
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
    // A coupon an order used leaves the list; one a cancel or an expiry gave back comes back.
    void coupons.refresh();
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

  stops.push(every(2_000, refreshProducts), () => cards.forEach((entry) => entry.stop()));
  if (buyer) {
    stops.push(every(3_000, refreshMyOrders));
    void cart.refresh().catch(() => undefined);
  }
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
      order.couponCode
        ? h(
            'p',
            { 'data-testid': 'order-discount' },
            `Coupon ${order.couponCode}: ${money(order.discountCents ?? 0)} off ${money(order.totalCents + (order.discountCents ?? 0))}; you pay ${money(order.totalCents)}`,
          )
        : null,
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
