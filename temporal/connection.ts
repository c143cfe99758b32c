import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { tracingClientInterceptors } from '../telemetry/client-tracing';
import { dataConverterFor } from './codec';
import { temporalConnectionOptions } from './connection-options';

/** A client of the configured Temporal: secured as configured (TLS, mTLS, API key), payloads through the codec. */
export async function connectClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config.TEMPORAL_ADDRESS));
  return new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: { workflow: tracingClientInterceptors() },
    dataConverter: dataConverterFor(),
  });
}
