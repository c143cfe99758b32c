import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { tracingClientInterceptors } from '../telemetry/client-tracing';

export async function connectClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow: tracingClientInterceptors() } });
}
