/**
 * The metrics an operator watches during a drop move with real orders: the API's request histogram, order and
 * admission counters, the stock gauges, and the worker's saga metrics fed by the workflow interceptors' sink.
 */
import type { Registry } from 'prom-client';
import { eventually, unique } from '../api/http';
import { ADMIN, buyer } from '../support/auth';
import { serviceForThisFile } from '../api/service-per-file';

const stack = serviceForThisFile({ holdMs: 60_000, metrics: true });

/** The value of one series (a counter, a gauge, or a histogram's `_count`), 0 when it has no sample yet. */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const [metric, suffix] = name.endsWith('_count') ? [name.slice(0, -'_count'.length), '_count'] : [name, ''];
  const found = registry.getSingleMetric(metric);
  if (!found) throw new Error(`no metric ${metric}`);
  const { values } = await found.get();
  const match = values.find(
    (value) =>
      (suffix === '' || (value as { metricName?: string }).metricName === `${metric}${suffix}`) &&
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return match?.value ?? 0;
}

async function newProduct(stock: number): Promise<number> {
  const answer = await stack.api.post('/products', { sku: unique('metrics-sku'), name: 'Metrics product', priceCents: 500, stock });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

test('an order placed and paid moves the request histogram, the order counters and the saga outcome', async () => {
  const { api: apiMetrics, saga } = stack.service.metrics!;
  const productId = await newProduct(5);
  const placed = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId, quantity: 1 }] });
  expect(placed.status).toBe(201);
  const paid = await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_visa' });
  expect(paid.status).toBe(200);

  expect(await sample(apiMetrics.registry, 'orders_placed_total', { replayed: 'false' })).toBe(1);
  expect(await sample(apiMetrics.registry, 'admission_gate_decisions_total', { decision: 'admitted' })).toBe(1);
  expect(await sample(apiMetrics.registry, 'http_request_duration_seconds_count', { route: '/orders/:id/payment', status_code: '200' })).toBe(1);
  expect(await sample(apiMetrics.registry, 'api_temporal_call_duration_seconds_count', { operation: 'place', outcome: 'ok' })).toBe(1);
  await eventually(async () => {
    expect(await sample(saga.registry, 'orders_finished_total', { status: 'CONFIRMED' })).toBe(1);
    expect(await sample(saga.registry, 'order_saga_duration_seconds_count', { status: 'CONFIRMED' })).toBe(1);
    expect(await sample(saga.registry, 'payment_calls_total', { call: 'capture', outcome: 'ok' })).toBe(1);
    expect(await sample(saga.registry, 'notifications_total', { kind: 'ORDER_CONFIRMED', result: 'sent' })).toBe(1);
  });
  expect(await sample(apiMetrics.registry, 'product_stock_units', { product_id: String(productId) })).toBe(4);
  expect(await sample(apiMetrics.registry, 'product_units_available', { product_id: String(productId) })).toBe(4);
  expect(await sample(apiMetrics.registry, 'stock_drift_units', { product_id: String(productId) })).toBe(0);
  expect(await sample(apiMetrics.registry, 'order_hold_seconds')).toBe(60);
});

test('a decline, a cancellation and a sold-out refusal are counted by outcome, step and code', async () => {
  const { api: apiMetrics, saga } = stack.service.metrics!;
  const productId = await newProduct(1);
  const placed = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId, quantity: 1 }] });
  expect(placed.status).toBe(201);
  expect(await sample(apiMetrics.registry, 'orders_open', { status: 'RESERVED' })).toBeGreaterThanOrEqual(1);
  expect((await stack.api.post(`/orders/${placed.body.id}/payment`, { paymentToken: 'tok_chargeDeclined' })).status).toBe(402);
  const refused = await stack.api.post('/orders', { customerId: unique('cus'), items: [{ productId, quantity: 1 }] });
  expect(refused.status).toBe(409);
  expect((await stack.api.post(`/orders/${placed.body.id}/cancel`, {})).status).toBe(200);

  expect(await sample(apiMetrics.registry, 'orders_refused_total', { code: 'OUT_OF_STOCK' })).toBe(1);
  expect(await sample(apiMetrics.registry, 'admission_gate_decisions_total', { decision: 'refused', reason: 'SOLD_OUT' })).toBe(1);
  await eventually(async () => {
    expect(await sample(saga.registry, 'payment_calls_total', { call: 'authorize', outcome: 'declined' })).toBe(1);
    expect(await sample(saga.registry, 'orders_finished_total', { status: 'CANCELLED' })).toBe(1);
    expect(await sample(saga.registry, 'saga_compensations_total', { step: 'release_reservation', result: 'ok' })).toBe(1);
    expect(await sample(saga.registry, 'saga_compensations_total', { step: 'reverse_payment', result: 'ok' })).toBe(1);
  });
});

test('coupon redemptions are counted by outcome: redeemed, given back by a cancel, consumed by a sale', async () => {
  const { saga } = stack.service.metrics!;
  const productId = await newProduct(5);
  const code = unique('M').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 24);
  expect((await stack.api.post('/coupons', { code, name: 'Metrics coupon', percentOff: 10, quantity: 5 }, { as: ADMIN })).status).toBe(201);
  const customerId = unique('cus-coupon');
  const as = buyer(customerId);
  expect((await stack.api.post(`/coupons/${code}/claims`, undefined, { as })).status).toBe(201);
  const order = () => stack.api.post('/orders', { items: [{ productId, quantity: 1 }], couponCode: code }, { as });

  const cancelled = await order();
  expect(cancelled.status).toBe(201);
  expect((await stack.api.post(`/orders/${cancelled.body.id}/cancel`, undefined, { as })).body.status).toBe('CANCELLED');
  const sold = await order();
  expect((await stack.api.post(`/orders/${sold.body.id}/payment`, { paymentToken: 'tok_visa' }, { as })).body.status).toBe('CONFIRMED');

  await eventually(async () => {
    expect(await sample(saga.registry, 'coupon_redemptions_total', { outcome: 'redeemed' })).toBe(2);
    expect(await sample(saga.registry, 'coupon_redemptions_total', { outcome: 'given_back' })).toBe(1);
    expect(await sample(saga.registry, 'coupon_redemptions_total', { outcome: 'consumed' })).toBe(1);
    expect(await sample(saga.registry, 'saga_compensations_total', { step: 'give_coupon_back', result: 'ok' })).toBe(1);
  });
  expect(await sample(saga.registry, 'coupon_redemptions_total', { outcome: 'refused' })).toBe(0);
});
