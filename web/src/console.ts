/** The operator console: the sale live (polling GET /console/summary), order search, product admin, invariant check. */
import type { ConsoleProduct, ConsoleQueue } from '../../api/console/summary';
import type { ConsoleCoupon, SalesFigures, TopProduct } from '../../db/console-queries';
import { api } from './api';
import { clock, every, h, money, nodes, statusBadge } from './dom';
import { hasRole } from './session';
import { describe, type Order } from './shop';

const OUTCOMES = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'] as const;
type Outcome = (typeof OUTCOMES)[number];
const STATUSES = ['PENDING', 'RESERVED', ...OUTCOMES];

interface Summary {
  generatedAt: string;
  window: { seconds: number; since: string };
  rates: { seconds: number; placed: number; outcomes: Record<Outcome, number> };
  timeline: { startedAt: string; placed: number[]; outcomes: Record<Outcome, number[]> };
  orders: { placed: number; outcomes: Record<Outcome, number>; open: { pending: number; reserved: number } };
  revenue: { cents: number; orders: number };
  topProducts: TopProduct[];
  compensations: SalesFigures['compensations'];
  carts: { created: number; checkedOut: number };
  sagasInFlight: { count: number } | { count: null; error: string };
  products: ConsoleProduct[];
  coupons: ConsoleCoupon[];
  queues: ConsoleQueue[];
  invariantCheck: InvariantCheck | null;
}

interface InvariantCheck {
  ok: boolean;
  takenAt: string;
  durationMs: number;
  invariants: Array<{ id: string; title: string; status: string; breaches: number; warnings: number; skipped?: string }>;
  findings: Array<{ invariant: string; severity: string; message: string }>;
}

interface Settings {
  temporalUiUrl: string;
  namespace: string;
  windows: string[];
}

export function mountConsole(root: HTMLElement): () => void {
  if (!hasRole('operator') && !hasRole('admin')) {
    root.append(h('section', { class: 'card' }, h('h1', {}, 'Operator console'), h('p', {}, 'Sign in as staff (role operator or admin) to watch the sale.')));
    return () => undefined;
  }
  let settings: Settings = { temporalUiUrl: 'http://localhost:8233', namespace: 'default', windows: ['5m', '15m', '1h', '24h', '7d'] };
  let windowChoice = '15m';

  const windowSelect = h('select', { id: 'window' }, ...settings.windows.map((w) => h('option', { value: w, selected: w === windowChoice }, w)));
  windowSelect.addEventListener('change', () => {
    windowChoice = windowSelect.value;
    void refresh();
  });
  const updated = h('span', { class: 'muted', role: 'status', 'data-testid': 'console-updated' });
  const tiles = h('div', { class: 'tiles' });
  const chart = h('div', { class: 'chart', role: 'img', 'aria-label': 'Orders per second, last minute' });
  const productsBody = h('tbody', { 'data-testid': 'console-products' });
  const productRows = new Map<number, { element: HTMLElement; update: (product: Summary['products'][number]) => void }>();
  const topBody = h('tbody', { 'data-testid': 'top-products' });
  const couponsBody = h('tbody', { 'data-testid': 'console-coupons' });
  const queuesBody = h('tbody', { 'data-testid': 'console-queues' });
  const checkBox = h('div', { 'data-testid': 'invariant-check' });

  root.append(
    h(
      'div',
      { class: 'console' },
      h(
        'section',
        { class: 'card wide' },
        h('div', { class: 'row' }, h('h1', {}, 'The sale, live'), h('label', { for: 'window' }, 'Window'), windowSelect, updated),
        tiles,
        h('h2', {}, 'Orders per second, last minute'),
        chart,
        h('p', { class: 'legend' }, legend('placed'), legend('confirmed'), legend('refused'), legend('failed')),
      ),
      h(
        'section',
        { class: 'card wide' },
        h('h2', {}, 'Units left'),
        h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...['Product', 'Price', 'Stock (MySQL)', 'Available (Redis)', 'Sold out at', hasRole('admin') ? 'Restock' : ''].map((t) => h('th', { scope: 'col' }, t)))), productsBody)),
        hasRole('admin') ? createProductForm(() => void refresh()) : null,
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Top products in the window'), h('table', {}, h('thead', {}, h('tr', {}, ...['Product', 'Units', 'Revenue'].map((t) => h('th', { scope: 'col' }, t)))), topBody)),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Coupons'),
        h('p', { class: 'muted' }, 'Issued: claimed by buyers; redeemed: held by an order in flight or confirmed; remaining: still to claim.'),
        h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...['Coupon', 'Issued', 'Redeemed', 'Remaining'].map((t) => h('th', { scope: 'col' }, t)))), couponsBody)),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Waiting rooms'),
        h('p', { class: 'muted' }, 'Per queued drop: buyers waiting, buyers holding an admission, admissions a second over the last minute, admissions given and lapsed unused.'),
        h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...['Drop', 'Waiting', 'Admitted', 'Admission rate', 'Admissions', 'Lapsed'].map((t) => h('th', { scope: 'col' }, t)))), queuesBody)),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Latest invariant check'), checkBox),
      orderSearch(() => settings),
    ),
  );

  async function refresh(): Promise<void> {
    try {
      const summary = await api<Summary>('GET', `/console/summary?window=${encodeURIComponent(windowChoice)}`);
      render(summary);
      updated.textContent = `Updated ${clock(summary.generatedAt)}`;
    } catch (error) {
      updated.textContent = `Could not refresh: ${describe(error)}`;
    }
  }

  function render(summary: Summary): void {
    const inFlight = summary.sagasInFlight.count;
    tiles.replaceChildren(
      tile('Placed / s', summary.rates.placed, 'rate-placed'),
      tile('Confirmed / s', summary.rates.outcomes.CONFIRMED, 'rate-confirmed'),
      tile('Refused / s', summary.rates.outcomes.REJECTED, 'rate-rejected'),
      tile('Expired / s', summary.rates.outcomes.EXPIRED, 'rate-expired'),
      tile('Sagas in flight', inFlight ?? '—', 'sagas-in-flight', inFlight === null ? summary.sagasInFlight.count === null ? summary.sagasInFlight.error : '' : 'Temporal: order workflows running'),
      tile('Holding stock', summary.orders.open.reserved + summary.orders.open.pending, 'open-orders', 'orders RESERVED in MySQL'),
      tile(`Orders placed (${windowChoice})`, summary.orders.placed, 'placed'),
      tile(`Confirmed (${windowChoice})`, summary.orders.outcomes.CONFIRMED, 'confirmed'),
      tile(`Revenue (${windowChoice})`, money(summary.revenue.cents), 'revenue', `${summary.revenue.orders} orders`),
      tile(
        'Compensations',
        summary.compensations.failedOrders,
        'compensations',
        `${summary.compensations.paymentsVoided} voided, ${summary.compensations.paymentsRefunded} refunded, ${summary.compensations.unitsRestored} units restored`,
      ),
      tile(`Carts checked out (${windowChoice})`, summary.carts.checkedOut, 'carts-checked-out', `${summary.carts.created} carts made`),
      tile(
        'Refunds / returns',
        `${summary.compensations.refundsSucceeded} / ${summary.compensations.returnsReceived}`,
        'after-sale',
        `${money(summary.compensations.refundedCents)} refunded, ${summary.compensations.refundsFailed} failed (staff must act), ${summary.compensations.unitsReturned} units back on sale`,
      ),
      tile('Expired / cancelled', `${summary.orders.outcomes.EXPIRED} / ${summary.orders.outcomes.CANCELLED}`, 'expired-cancelled'),
    );
    drawChart(chart, summary);
    // Rows are made once per product and updated in place: a refresh never wipes a restock an admin is typing.
    const keep = new Set<number>();
    summary.products.forEach((product, index) => {
      keep.add(product.id);
      let row = productRows.get(product.id);
      if (!row) {
        row = productRow(product, () => void refresh());
        productRows.set(product.id, row);
      }
      row.update(product);
      if (productsBody.children[index] !== row.element) productsBody.insertBefore(row.element, productsBody.children[index] ?? null);
    });
    for (const [id, row] of productRows) if (!keep.has(id)) (row.element.remove(), productRows.delete(id));
    couponsBody.replaceChildren(
      ...(summary.coupons.length === 0
        ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No coupons yet.'))]
        : summary.coupons.map((coupon) =>
            h(
              'tr',
              { 'data-testid': `coupon-${coupon.code}` },
              h('th', { scope: 'row' }, coupon.code, ' ', h('span', { class: 'muted' }, coupon.disabled ? `${coupon.name} (disabled)` : coupon.name)),
              h('td', { 'data-testid': 'issued' }, `${coupon.issued} of ${coupon.quantity}`),
              h('td', { 'data-testid': 'redeemed' }, coupon.redeemed),
              h('td', { 'data-testid': 'remaining' }, coupon.remaining),
            ),
          )),
    );
    queuesBody.replaceChildren(
      ...(summary.queues.length === 0
        ? [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No drop with a waiting room.'))]
        : summary.queues.map((queue) =>
            h(
              'tr',
              { 'data-testid': `queue-${queue.sku}` },
              h('th', { scope: 'row' }, queue.name, ' ', h('span', { class: 'muted' }, queue.sku)),
              h('td', { 'data-testid': 'waiting' }, queue.waiting),
              h('td', { 'data-testid': 'admitted' }, queue.admitted),
              h('td', { 'data-testid': 'admission-rate' }, `${queue.admissionRate}/s`),
              h('td', { 'data-testid': 'admissions' }, queue.admissionsTotal),
              h('td', { 'data-testid': 'lapsed' }, queue.lapsedAdmissions),
            ),
          )),
    );
    topBody.replaceChildren(
      ...(summary.topProducts.length === 0
        ? [h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No confirmed sales in the window.'))]
        : summary.topProducts.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.name), h('td', {}, row.units), h('td', {}, money(row.revenueCents))))),
    );
    renderCheck(summary.invariantCheck);
  }

  function renderCheck(check: InvariantCheck | null): void {
    const run = hasRole('operator')
      ? h(
          'button',
          {
            type: 'button',
            onclick: async (event: Event) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              button.textContent = 'Checking…';
              try {
                renderCheck(await api<InvariantCheck>('POST', '/console/invariant-checks', {}));
              } catch (error) {
                checkBox.append(h('p', { role: 'alert', class: 'error' }, describe(error)));
              }
            },
          },
          'Run the check now',
        )
      : null;
    if (!check) {
      checkBox.replaceChildren(...nodes(h('p', { class: 'muted' }, 'No check has run yet.'), run));
      return;
    }
    checkBox.replaceChildren(...nodes(
      h('p', {}, h('span', { class: `badge ${check.ok ? 'status-confirmed' : 'status-failed'}` }, check.ok ? 'All invariants hold' : 'BREACH'), ` at ${clock(check.takenAt)} (${check.durationMs} ms)`),
      h('ul', { class: 'invariants' }, ...check.invariants.map((row) => h('li', { title: row.skipped ?? '' }, h('strong', {}, row.id), ` ${row.title}: ${row.status}${row.warnings ? ` (${row.warnings} warnings)` : ''}`))),
      check.findings.length > 0 ? h('details', {}, h('summary', {}, `${check.findings.length} findings`), h('ul', {}, ...check.findings.map((f) => h('li', {}, `${f.invariant} ${f.severity}: ${f.message}`)))) : null,
      run,
    ));
  }

  void api<Settings>('GET', '/console/settings').then((loaded) => (settings = loaded)).catch(() => undefined);
  return every(1_000, refresh);
}

function tile(label: string, value: string | number, testId: string, note = ''): HTMLElement {
  return h('div', { class: 'tile', 'data-testid': `tile-${testId}` }, h('span', { class: 'tile-label' }, label), h('span', { class: 'tile-value', 'data-testid': 'value' }, value), note ? h('span', { class: 'tile-note' }, note) : null);
}

function legend(kind: string): HTMLElement {
  return h('span', { class: `key key-${kind}` }, kind);
}

/** Bars per second: placed, and beside it confirmed / refused / failed stacked. Plain SVG, no chart library. */
function drawChart(container: HTMLElement, summary: Summary): void {
  const { placed, outcomes } = summary.timeline;
  const max = Math.max(1, ...placed, ...placed.map((_, i) => outcomes.CONFIRMED[i] + outcomes.REJECTED[i] + outcomes.FAILED[i]));
  const width = 600;
  const height = 120;
  const step = width / placed.length;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const bar = (x: number, y: number, w: number, barHeight: number, kind: string) => {
    if (barHeight <= 0) return;
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(x));
    rect.setAttribute('y', String(y));
    rect.setAttribute('width', String(w));
    rect.setAttribute('height', String(barHeight));
    rect.setAttribute('class', `key-${kind}`);
    svg.append(rect);
  };
  placed.forEach((count, i) => {
    const x = i * step;
    bar(x, height - (count / max) * height, step * 0.45, (count / max) * height, 'placed');
    let top = height;
    for (const [kind, series] of [['confirmed', outcomes.CONFIRMED], ['refused', outcomes.REJECTED], ['failed', outcomes.FAILED]] as const) {
      const barHeight = (series[i] / max) * height;
      top -= barHeight;
      bar(x + step * 0.5, top, step * 0.45, barHeight, kind);
    }
  });
  container.replaceChildren(svg);
}

function productRow(first: Summary['products'][number], done: () => void) {
  const stock = h('td', { 'data-testid': 'stock' });
  const available = h('td', { 'data-testid': 'available' });
  const soldOutAt = h('td', { 'data-testid': 'sold-out-at' });
  const element = h(
    'tr',
    { 'data-testid': `console-product-${first.sku}` },
    h('th', { scope: 'row' }, first.name, h('br', {}), h('small', { class: 'muted' }, first.sku)),
    h('td', {}, money(first.priceCents)),
    stock,
    available,
    soldOutAt,
    hasRole('admin') ? h('td', {}, restockForm(first.id, first.sku, done)) : null,
  );
  const set = (cell: HTMLElement, text: string) => {
    if (cell.textContent !== text) cell.textContent = text;
  };
  return {
    element,
    update(product: Summary['products'][number]) {
      set(stock, String(product.stock));
      set(available, product.available === null ? '—' : String(product.available));
      set(soldOutAt, product.soldOutAt ? clock(product.soldOutAt) : '—');
    },
  };
}

function restockForm(productId: number, sku: string, done: () => void): HTMLElement {
  const id = `restock-${productId}`;
  const input = h('input', { id, type: 'number', min: 1, value: 10, inputmode: 'numeric', class: 'narrow' });
  const note = h('span', { role: 'status', class: 'muted' });
  return h(
    'form',
    {
      class: 'inline',
      'data-testid': `restock-${sku}`,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api('POST', `/products/${productId}/restock`, { quantity: Number(input.value) }, { idempotencyKey: crypto.randomUUID() });
          note.textContent = 'Restocked';
          done();
        } catch (error) {
          note.textContent = describe(error);
        }
      },
    },
    h('label', { for: id, class: 'visually-hidden' }, `Units to add to ${sku}`),
    input,
    h('button', { type: 'submit' }, 'Add'),
    note,
  );
}

function createProductForm(done: () => void): HTMLElement {
  const field = (name: string, label: string, attributes: Record<string, string | number>) =>
    h('div', { class: 'field' }, h('label', { for: `new-${name}` }, label), h('input', { id: `new-${name}`, name, required: true, ...attributes }));
  const note = h('p', { role: 'status', class: 'muted' });
  const form = h(
    'form',
    {
      class: 'create-product',
      'aria-label': 'Create a product',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const data = new FormData(form);
        try {
          const product = await api<{ sku: string }>('POST', '/products', {
            sku: String(data.get('sku')),
            name: String(data.get('name')),
            priceCents: Math.round(Number(data.get('price')) * 100),
            stock: Number(data.get('stock')),
          });
          note.textContent = `Created ${product.sku}`;
          form.reset();
          done();
        } catch (error) {
          note.textContent = describe(error);
        }
      },
    },
    h('h3', {}, 'Create a product'),
    field('sku', 'SKU', { pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,63}' }),
    field('name', 'Name', { maxlength: 200 }),
    field('price', 'Price (EUR)', { type: 'number', min: 0, step: '0.01' }),
    field('stock', 'Stock', { type: 'number', min: 0 }),
    h('button', { type: 'submit' }, 'Create'),
    note,
  );
  return form;
}

/** Find orders by id, customer or status; each links to its workflow in the Temporal Web UI. */
function orderSearch(settings: () => Settings): HTMLElement {
  const results = h('tbody', { 'data-testid': 'search-results' });
  const note = h('p', { role: 'status', class: 'muted' });
  const form = h(
    'form',
    {
      class: 'search',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const data = new FormData(form);
        const id = String(data.get('orderId') ?? '').trim();
        const customerId = String(data.get('customerId') ?? '').trim();
        const status = String(data.get('status') ?? '');
        try {
          let orders: Order[];
          if (id) orders = [await api<Order>('GET', `/orders/${encodeURIComponent(id)}`)];
          else {
            const query = new URLSearchParams({ limit: '50' });
            if (customerId) query.set('customerId', customerId);
            if (status) query.set('status', status);
            orders = (await api<{ data: Order[] }>('GET', `/orders?${query}`)).data;
          }
          note.textContent = `${orders.length} order(s)`;
          const base = settings().temporalUiUrl.replace(/\/+$/, '');
          results.replaceChildren(
            ...orders.map((order) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, h('a', { href: `${base}/namespaces/${encodeURIComponent(settings().namespace)}/workflows/${encodeURIComponent(order.id)}`, target: '_blank', rel: 'noopener' }, order.id)),
                h('td', {}, order.customerId),
                h('td', {}, statusBadge(order.status)),
                h('td', {}, money(order.totalCents)),
              ),
            ),
          );
        } catch (error) {
          note.textContent = describe(error);
          results.replaceChildren();
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'search-id' }, 'Order id'), h('input', { id: 'search-id', name: 'orderId', placeholder: 'ord_…' })),
    h('div', { class: 'field' }, h('label', { for: 'search-customer' }, 'Customer'), h('input', { id: 'search-customer', name: 'customerId' })),
    h('div', { class: 'field' }, h('label', { for: 'search-status' }, 'Status'), h('select', { id: 'search-status', name: 'status' }, h('option', { value: '' }, 'any'), ...STATUSES.map((s) => h('option', { value: s }, s)))),
    h('button', { type: 'submit' }, 'Search'),
  );
  return h(
    'section',
    { class: 'card wide' },
    h('h2', {}, 'Find orders'),
    h('p', { class: 'muted' }, 'Each order id opens its workflow in the Temporal Web UI.'),
    form,
    note,
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...['Order', 'Customer', 'Status', 'Total'].map((t) => h('th', { scope: 'col' }, t)))), results)),
  );
}
