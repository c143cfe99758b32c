/** The payload codec (AES-256-GCM, key id in metadata, rotation) and the Web UI's codec server behind operator auth. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import pino from 'pino';
import { createCodecServer } from '../../codec-server/app';
import { AesGcmCodec, codecKeysFrom, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../temporal/codec';
import { loadCodecKeys } from '../../config/codec';
import { call } from '../api/http';
import { ADMIN, buyer, OPERATOR, TEST_AUTH_SECRET, tokenFor } from '../support/auth';
import { TEST_CODEC_KEYS } from '../support/codec';

const KEY_A = `a:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_B = `b:${Buffer.alloc(32, 2).toString('base64')}`;
const clear = (text: string): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(text)) });
const text = (payload: Payload) => Buffer.from(payload.data ?? []).toString();

describe('AES-256-GCM payload codec', () => {
  test('seals the whole payload and names its key; decoding gives it back', async () => {
    const codec = new AesGcmCodec(codecKeysFrom(KEY_A));
    const [sealed] = await codec.encode([clear('tok_visa for cus_42')]);
    expect(Buffer.from(sealed.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.metadata![KEY_ID_METADATA]!).toString()).toBe('a');
    expect(text(sealed)).not.toContain('tok_visa');
    const [opened] = await codec.decode([sealed]);
    expect(text(opened)).toBe('"tok_visa for cus_42"');
    expect(Buffer.from(opened.metadata!.encoding!).toString()).toBe('json/plain');
  });

  test('rotation: encrypts with the current key, decrypts with any listed one; an unlisted key is named', async () => {
    const [oldSealed] = await new AesGcmCodec(codecKeysFrom(KEY_A)).encode([clear('old')]);
    const rotated = new AesGcmCodec(loadCodecKeys({ TEMPORAL_CODEC_KEYS: `${KEY_A},${KEY_B}`, TEMPORAL_CODEC_KEY_ID: 'b' }));
    expect(text((await rotated.decode([oldSealed]))[0])).toBe('"old"');
    const [newSealed] = await rotated.encode([clear('new')]);
    expect(Buffer.from(newSealed.metadata![KEY_ID_METADATA]!).toString()).toBe('b');
    await expect(new AesGcmCodec(codecKeysFrom(KEY_A)).decode([newSealed])).rejects.toThrow('codec key "b"');
  });

  test('payloads written before the codec pass through decoding unchanged', async () => {
    const plain = clear('recorded in clear');
    expect(await new AesGcmCodec(codecKeysFrom(KEY_A)).decode([plain])).toEqual([plain]);
  });

  test('a tampered payload is refused (GCM authenticates it)', async () => {
    const codec = new AesGcmCodec(codecKeysFrom(KEY_A));
    const [sealed] = await codec.encode([clear('amount 100')]);
    const data = Buffer.from(sealed.data!);
    data[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow();
  });

  test('bad key configuration is refused with the variable named', () => {
    expect(() => loadCodecKeys({ TEMPORAL_CODEC_KEYS: 'a:dG9vLXNob3J0' })).toThrow('TEMPORAL_CODEC_KEYS');
    expect(() => loadCodecKeys({ TEMPORAL_CODEC_KEYS: `${KEY_A},${KEY_B}`, TEMPORAL_CODEC_KEY_ID: 'c' })).toThrow('TEMPORAL_CODEC_KEY_ID');
  });
});

describe('codec server', () => {
  const UI = 'http://localhost:8233';
  let server: Server;
  let baseUrl: string;
  const codec = new AesGcmCodec(TEST_CODEC_KEYS);
  const asJson = (payload: Payload) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value!).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  });

  beforeAll(async () => {
    const app = createCodecServer({ codec, auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET }, uiOrigins: [UI], logger: pino({ level: 'silent' }) });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));

  test.each([
    ['anonymous', 'anonymous' as const, 401],
    ['a buyer', buyer('cus-codec'), 403],
    ['an admin', ADMIN, 403],
  ])('/decode refuses %s (%i)', async (_who, as, status) => {
    const [sealed] = await codec.encode([clear('tok_visa')]);
    const answer = await call(baseUrl, 'POST', '/decode', { json: { payloads: [asJson(sealed)] }, as });
    expect(answer.status).toBe(status);
    expect(JSON.stringify(answer.body)).not.toContain('tok_visa');
  });

  test('an operator decodes and encodes per the codec-server protocol', async () => {
    const [sealed] = await codec.encode([clear('tok_visa cus_42 4999')]);
    const decoded = await call(baseUrl, 'POST', '/decode', { json: { payloads: [asJson(sealed)] }, as: OPERATOR, headers: { 'x-namespace': 'default' } });
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()).toBe('"tok_visa cus_42 4999"');
    const encoded = await call(baseUrl, 'POST', '/encode', { json: { payloads: decoded.body.payloads }, as: OPERATOR });
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  });

  test("CORS admits the Web UI's origin with credentials, and no other", async () => {
    const preflight = (origin: string) =>
      call(baseUrl, 'OPTIONS', '/decode', {
        as: 'anonymous',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const ui = await preflight(UI);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ui.headers.get('access-control-allow-headers')).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('/login with an operator token sets the session cookie the Web UI sends; other tokens are refused', async () => {
    const login = await call(baseUrl, 'GET', `/login?token=${await tokenFor(OPERATOR)}`, { as: 'anonymous' });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    // Plain http (a developer's localhost): HttpOnly and Strict, not Secure (a browser would drop a Secure cookie there).
    expect(cookie).toMatch(/^codec_session=.+; Max-Age=\d+; Path=\/; .*HttpOnly; SameSite=Strict$/);
    const [sealed] = await codec.encode([clear('via cookie')]);
    const decoded = await call(baseUrl, 'POST', '/decode', { json: { payloads: [asJson(sealed)] }, as: 'anonymous', headers: { cookie: cookie.split(';')[0] } });
    expect(decoded.status).toBe(200);
    expect((await call(baseUrl, 'GET', `/login?token=${await tokenFor(buyer('cus-x'))}`, { as: 'anonymous' })).status).toBe(403);
    expect((await call(baseUrl, 'GET', '/login?token=forged', { as: 'anonymous' })).status).toBe(401);
  });

  test('over TLS, and behind a trusted proxy that says https, the session cookie is also Secure', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'codec-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const app = createCodecServer({ codec, auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET }, uiOrigins: [UI], logger: pino({ level: 'silent' }) });
    const tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, app);
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const token = await tokenFor(OPERATOR);
      const setCookie = await new Promise<string>((resolve, reject) => {
        httpsGet({ host: '127.0.0.1', port: (tls.address() as AddressInfo).port, path: `/login?token=${token}`, ca: readFileSync(cert), servername: 'localhost' }, (response) => {
          response.resume();
          resolve(String(response.headers['set-cookie']));
        }).on('error', reject);
      });
      expect(setCookie).toMatch(/^codec_session=.+; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await new Promise<void>((resolve) => tls.close(() => resolve()));
      tls.closeAllConnections();
    }

    const proxied = createServer(createCodecServer({ codec, auth: { AUTH_JWT_SECRET: TEST_AUTH_SECRET }, uiOrigins: [UI], trustProxy: 'loopback', logger: pino({ level: 'silent' }) }));
    await new Promise<void>((resolve) => proxied.listen(0, '127.0.0.1', resolve));
    try {
      const login = await call(`http://127.0.0.1:${(proxied.address() as AddressInfo).port}`, 'GET', `/login?token=${await tokenFor(OPERATOR)}`, { as: 'anonymous', headers: { 'x-forwarded-proto': 'https' } });
      expect(login.headers.get('set-cookie')).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await new Promise<void>((resolve) => proxied.close(() => resolve()));
      proxied.closeAllConnections();
    }
  });

  test('an anonymous caller, a forged cookie or a buyer\'s cookie gets no payload decoded', async () => {
    const [sealed] = await codec.encode([clear('tok_visa cus_secret')]);
    const body = { payloads: [asJson(sealed)] };
    const buyerCookie = `codec_session=${await tokenFor(buyer('cus-cookie'))}`;
    const attempts: Array<Record<string, string>> = [{}, { cookie: 'codec_session=forged' }, { cookie: buyerCookie }];
    for (const headers of attempts) {
      const answer = await call(baseUrl, 'POST', '/decode', { json: body, as: 'anonymous', headers });
      expect([401, 403]).toContain(answer.status);
      expect(JSON.stringify(answer.body)).not.toMatch(/tok_visa|cus_secret/);
    }
  });
});
