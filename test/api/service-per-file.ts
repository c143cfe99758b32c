/**
 * The service an API test file runs against: started once before its tests and stopped after them. Read `service`
 * and `api` inside tests (they exist once beforeAll has run).
 */
import { startService, type Service, type ServiceOptions } from '../support/service';
import { apiClient, type ApiClient } from './http';

export function serviceForThisFile(options: ServiceOptions): { readonly service: Service; readonly api: ApiClient } {
  let service: Service | undefined;
  let api: ApiClient | undefined;
  beforeAll(async () => {
    service = await startService(options);
    api = apiClient(service.baseUrl);
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  }, 60_000);
  return {
    get service() {
      if (!service) throw new Error('the service starts in beforeAll');
      return service;
    },
    get api() {
      if (!api) throw new Error('the service starts in beforeAll');
      return api;
    },
  };
}
