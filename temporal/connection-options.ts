import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { loadTemporalSecurity, type TemporalSecurityConfig } from '../config/temporal-security';

/** What both the client's Connection and the worker's NativeConnection take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/**
 * The one place that turns configuration into connection options (API, worker, codec server, checker, scripts):
 * TLS with a private CA, mTLS with a client certificate, and a Temporal Cloud API key. Files are read once, here,
 * so a missing one stops the process at start with its variable's name.
 */
export function temporalConnectionOptions(address: string, security: TemporalSecurityConfig = loadTemporalSecurity()): TemporalConnectionOptions {
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`${variable}: cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const wantsTls =
    security.TEMPORAL_TLS === 'true' || security.TEMPORAL_TLS_CA !== '' || security.TEMPORAL_TLS_CERT !== '' || security.TEMPORAL_API_KEY !== '';
  const options: TemporalConnectionOptions = { address };
  if (wantsTls && security.TEMPORAL_TLS !== 'false') {
    const tls: TLSConfig = {};
    if (security.TEMPORAL_TLS_CA) tls.serverRootCACertificate = read('TEMPORAL_TLS_CA', security.TEMPORAL_TLS_CA);
    if (security.TEMPORAL_TLS_CERT) {
      tls.clientCertPair = { crt: read('TEMPORAL_TLS_CERT', security.TEMPORAL_TLS_CERT), key: read('TEMPORAL_TLS_KEY', security.TEMPORAL_TLS_KEY) };
    }
    if (security.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = security.TEMPORAL_TLS_SERVER_NAME;
    options.tls = Object.keys(tls).length > 0 ? tls : true;
  }
  if (security.TEMPORAL_API_KEY) options.apiKey = security.TEMPORAL_API_KEY;
  return options;
}
