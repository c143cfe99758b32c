import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { allow, authenticate } from '../api/auth/middleware';
import { createTokenVerifier, InvalidTokenError, type VerifyToken } from '../api/auth/verify';
import { isOperator } from '../api/auth/roles';
import type { AuthConfig } from '../config/auth';
import { problemHandler } from '../api/errors';
import { Problem } from '../api/problem';
import type { Logger } from 'pino';

/** The cookie a browser sends when the Web UI's codec setting "Include cross-origin credentials" is on. */
export const SESSION_COOKIE = 'codec_session';

export interface CodecServerDeps {
  codec: PayloadCodec;
  auth: AuthConfig;
  /** Origins of the Temporal Web UI allowed to call from the browser. */
  uiOrigins: string[];
  /** Express's `trust proxy` (TRUST_PROXY): behind a TLS-terminating proxy, its X-Forwarded-Proto says https. */
  trustProxy?: boolean | number | string;
  logger: Logger;
}

/** Temporal's codec-server protocol: payloads as proto3 JSON (bytes in base64). */
const payloadsSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});

const fromJson = (payload: z.infer<typeof payloadsSchema>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data ?? '', 'base64'),
});

const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/** The session cookie's token, when no Authorization header is sent (the Web UI of a dev server has no login). */
const cookieAsBearer: RequestHandler = (req, _res, next) => {
  if (req.get('authorization') === undefined) {
    const cookie = (req.get('cookie') ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${SESSION_COOKIE}=`));
    if (cookie) req.headers.authorization = `Bearer ${decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1))}`;
  }
  next();
};

/**
 * The codec server for the Web UI: POST /encode and /decode per Temporal's protocol, for operators only (a bearer
 * token, or the session cookie GET /login sets), with CORS for the Web UI's origin. Without the key nobody reads
 * payloads; with it, only staff do.
 */
export function createCodecServer({ codec, auth, uiOrigins, trustProxy, logger }: CodecServerDeps): Express {
  const verify: VerifyToken = createTokenVerifier(auth);
  const app = express();
  app.disable('x-powered-by');
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  app.use(helmet());
  app.use(
    cors({
      origin: uiOrigins,
      credentials: true,
      methods: ['POST', 'GET'],
      allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
      maxAge: 600,
    }),
  );
  app.use(express.json({ limit: '4mb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Signs a browser in: open /login?token=<operator token> once; the cookie rides on the Web UI's codec calls.
  app.get('/login', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    let caller;
    try {
      caller = await verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new Problem('UNAUTHENTICATED', error.message, { field: 'query.token' });
      throw error;
    }
    if (!isOperator(caller)) throw new Problem('FORBIDDEN', 'the codec server is for operators', { field: 'query.token' });
    // HttpOnly: no script of any page reads the operator's token. Secure whenever the codec server is reached over TLS
    // (directly, or through a trusted proxy's X-Forwarded-Proto), so the browser never sends it in clear; over plain
    // http (a developer's localhost) it could not be Secure. Strict: the cookie rides only on calls from the same
    // site, which the Web UI is when both share a host name (http://localhost:8233 and :8234; ports do not make
    // another site). From another site browsers that block third-party cookies drop it anyway (seen in chromium's
    // network log: blocked by "UserPreferences"); such a UI passes the operator's own access token instead.
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, secure: req.secure, sameSite: 'strict', path: '/', maxAge: 8 * 3_600_000 });
    res.type('text/plain').send(
      `Signed in to the codec server as ${caller.sub}. In the Web UI (opened on this same host name), Codec Server settings: "Use my browser setting", endpoint ${req.protocol}://${req.get('host')}, tick "Include cross-origin credentials", Apply.\n`,
    );
  });

  const operatorOnly = [cookieAsBearer, authenticate(verify), allow(['operator'])];
  for (const [route, transform] of [
    ['/encode', (payloads: Payload[]) => codec.encode(payloads)],
    ['/decode', (payloads: Payload[]) => codec.decode(payloads)],
  ] as const) {
    app.post(route, ...operatorOnly, async (req, res) => {
      const parsed = payloadsSchema.safeParse(req.body);
      if (!parsed.success) throw new Problem('VALIDATION_FAILED', 'the body must be {"payloads": [{"metadata": {…}, "data": "…"}]}', { field: 'body.payloads' });
      let payloads: Payload[];
      try {
        payloads = await transform(parsed.data.payloads.map(fromJson));
      } catch (error) {
        throw new Problem('UNDECODABLE_PAYLOAD', (error as Error).message, { field: 'body.payloads' });
      }
      res.json({ payloads: payloads.map(toJson) });
    });
  }
  app.use(problemHandler(logger));
  return app;
}
