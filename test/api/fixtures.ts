/**
 * The end-to-end service one API test file runs against, and the steps its tests share: make a product, place an
 * order, pay, cancel, read availability and the provider's ledger.
 */
import type { ProductResponse } from '../../api/openapi/response-schemas';
import { startService, type Service, type ServiceOptions } from '../support/service';
import { apiClient, ledger, unique, type Answer, type ApiClient } from './http';

export type ProductBody = ProductResponse;

export type Line = { productId: number; quantity: number };

export class ApiFixture {
  private started?: { service: Service; api: ApiClient };

  constructor(private readonly options: ServiceOptions) {}

  get service(): Service {
    if (!this.started) throw new Error('the service is not started: call useService() at the top of the test file');
    return this.started.service;
  }

  get api(): ApiClient {
    if (!this.started) throw new Error('the service is not started: call useService() at the top of the test file');
    return this.started.api;
  }

  async start(): Promise<void> {
    const service = await startService(this.options);
    this.started = { service, api: apiClient(service.baseUrl) };
  }

  async stop(): Promise<void> {
    await this.started?.service.stop();
  }

  newProduct = async (options: { stock?: number; priceCents?: number } = {}): Promise<ProductBody> => {
    const answer = await this.api.post('/products', {
      sku: unique('api-sku'),
      name: 'API test product',
      priceCents: options.priceCents ?? 1_000,
      stock: options.stock ?? 10,
    });
    expect(answer.status).toBe(201);
    return answer.body;
  };

  available = async (productId: number): Promise<number | null> => {
    const answer = await this.api.get(`/products/${productId}`);
    expect(answer.status).toBe(200);
    return answer.body.available;
  };

  placeOrder = (items: Line[], options: { customerId?: string; key?: string } = {}): Promise<Answer> => {
    const customerId = options.customerId ?? unique('cus');
    return this.api.post('/orders', { customerId, items }, options.key === undefined ? {} : { idempotencyKey: options.key });
  };

  /** A RESERVED order of `quantity` units of a fresh product (or the given one). */
  reservedOrder = async (options: { product?: ProductBody; quantity?: number; customerId?: string } = {}) => {
    const product = options.product ?? (await this.newProduct());
    const answer = await this.placeOrder([{ productId: product.id, quantity: options.quantity ?? 1 }], { customerId: options.customerId });
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('RESERVED');
    return { product, order: answer.body, orderId: answer.body.id as string };
  };

  pay = (orderId: string, paymentToken: string): Promise<Answer> => {
    return this.api.post(`/orders/${orderId}/payment`, { paymentToken });
  };

  cancel = (orderId: string): Promise<Answer> => {
    return this.api.post(`/orders/${orderId}/cancel`);
  };

  authorizationsOf = async (orderId: string) => {
    return (await ledger(this.service.paymentsBaseUrl)).filter((authorization) => authorization.reference === orderId);
  };
}

/** Starts the service before the file's tests and stops it after them. */
export function useService(options: ServiceOptions): ApiFixture {
  const fixture = new ApiFixture(options);
  beforeAll(() => fixture.start(), 120_000);
  afterAll(() => fixture.stop(), 60_000);
  return fixture;
}
