/**
 * A Temporal client on the fault run's own dev server, reading payloads with the run's codec key (every payload of the
 * run is sealed with it), open for the length of `use`.
 */
import { Client, Connection } from '@temporalio/client';
import { loadCodecKeys } from '../config/codec';
import { dataConverterFor } from '../temporal/codec';
import type { ChaosStack } from './stack';

export async function withRunClient<T>(stack: Pick<ChaosStack, 'temporalAddress' | 'namespace' | 'env'>, use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: stack.temporalAddress, connectTimeout: 10_000 });
  try {
    return await use(new Client({ connection, namespace: stack.namespace, dataConverter: dataConverterFor(loadCodecKeys(stack.env)) }));
  } finally {
    await connection.close().catch(() => undefined);
  }
}
