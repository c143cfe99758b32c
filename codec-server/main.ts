import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { listenOn } from '../api/listen';
import { trustProxySetting } from '../api/limits/rate';
import { loadAuthConfig } from '../config/auth';
import { loadCodecKeys } from '../config/codec';
import { AesGcmCodec } from '../temporal/codec';
import { createCodecServer } from './app';

/**
 * `npm run codec-server`: the Web UI's codec server on CODEC_SERVER_PORT (default 8234), for the origins in
 * CODEC_CORS_ORIGINS (default the local Web UI, http://localhost:TEMPORAL_UI_PORT and its 127.0.0.1 twin). It
 * listens on CODEC_SERVER_HOST: loopback by default, where the operator's browser is; the image sets 0.0.0.0.
 * Behind a TLS-terminating proxy, TRUST_PROXY (as for the API) lets it see https, so its session cookie is Secure.
 */
async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'codec-server' } });
  const keys = loadCodecKeys();
  if (keys.keys.size === 0) throw new Error('TEMPORAL_CODEC_KEYS is not set: there is nothing to decode with');
  const port = Number(process.env.CODEC_SERVER_PORT ?? 8234);
  const host = process.env.CODEC_SERVER_HOST || '127.0.0.1';
  const uiPort = process.env.TEMPORAL_UI_PORT ?? '8233';
  const uiOrigins = (process.env.CODEC_CORS_ORIGINS ?? `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`).split(',').map((origin) => origin.trim()).filter(Boolean);
  const trustProxy = trustProxySetting(process.env.TRUST_PROXY ?? '');
  const app = createCodecServer({ codec: new AesGcmCodec(keys), auth: loadAuthConfig(), uiOrigins, trustProxy, logger });
  const server = await listenOn(app, port, host);
  const { address, port: listening } = server.address() as AddressInfo;
  logger.info({ uiOrigins, address }, `codec server on http://localhost:${listening}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
