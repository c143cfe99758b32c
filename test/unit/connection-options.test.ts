/** Temporal connection security from configuration: TLS with a private CA, mTLS, an API key (Temporal Cloud). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTemporalSecurity } from '../../config/temporal-security';
import { temporalConnectionOptions } from '../../temporal/connection-options';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-options-'));
const pem = (name: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN ${name}-----\n-----END ${name}-----\n`);
  return file;
};
const options = (env: Record<string, string>) => temporalConnectionOptions('temporal.example:7233', loadTemporalSecurity(env));

test('nothing configured: plain gRPC, as the local dev server wants', () => {
  expect(options({})).toEqual({ address: 'temporal.example:7233' });
});

test('a private CA, a client certificate pair and a server name make mTLS', () => {
  const [ca, cert, key] = [pem('CA'), pem('CERT'), pem('KEY')];
  const tls = options({ TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_SERVER_NAME: 'frontend.internal' }).tls;
  expect(tls).toEqual({
    serverRootCACertificate: Buffer.from('-----BEGIN CA-----\n-----END CA-----\n'),
    clientCertPair: { crt: Buffer.from('-----BEGIN CERT-----\n-----END CERT-----\n'), key: Buffer.from('-----BEGIN KEY-----\n-----END KEY-----\n') },
    serverNameOverride: 'frontend.internal',
  });
});

test('an API key alone means TLS with the system CAs (Temporal Cloud)', () => {
  expect(options({ TEMPORAL_API_KEY: 'key-123' })).toEqual({ address: 'temporal.example:7233', tls: true, apiKey: 'key-123' });
  expect(options({ TEMPORAL_TLS: 'true' })).toEqual({ address: 'temporal.example:7233', tls: true });
});

test('mistakes stop the process with the variable named', () => {
  expect(() => options({ TEMPORAL_TLS_CERT: pem('CERT2') })).toThrow('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together');
  expect(() => options({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toThrow('TEMPORAL_TLS_CA: cannot read');
});
