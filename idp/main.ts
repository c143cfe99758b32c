import express, { type NextFunction, type Request, type Response } from 'express';
import pino from 'pino';
import { listenOn } from '../api/listen';
import { loadIdpConfig } from '../config/idp';
import { loginRouter } from './login-page';
import { createProvider } from './provider';

/**
 * `npm run idp`: the local OpenID provider on IDP_PORT (default 4100), issuer IDP_ISSUER (default
 * http://localhost:IDP_PORT), for the web page's client OIDC_CLIENT_ID and its IDP_REDIRECT_URIS. `npm start` runs
 * it when no OIDC_ISSUER is given; compose runs it with the profile `idp`. For a developer's machine: its people are
 * demo people (idp/accounts.ts).
 */
async function main(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'idp' } });
  const config = loadIdpConfig();
  const provider = await createProvider(config);
  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'identity provider error'));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(loginRouter(provider));
  app.use(provider.callback());
  // A login page opened late (its interaction expired) or forged: a plain answer, never a stack trace.
  app.use((error: Error & { statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error }, 'identity provider error');
    res.status(status).type('text/plain').send(status === 500 ? 'Something went wrong: start signing in again from the shop.\n' : 'This sign-in has expired or is not valid: start again from the shop.\n');
  });
  const server = await listenOn(app, config.port, config.host);
  logger.info({ issuer: config.issuer, clientId: config.clientId, redirectUris: config.redirectUris, audience: config.audience }, `identity provider on http://${config.host}:${config.port}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
