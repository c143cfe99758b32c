import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import { Problem } from './problem';

/**
 * Where `npm run build:web` writes the page (web/dist), seen from this file under tsx (api/) or from a compiled
 * build (dist/api/). WEB_DIST_DIR overrides it.
 */
export function defaultWebDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.WEB_DIST_DIR) return path.resolve(env.WEB_DIST_DIR);
  const candidates = [path.resolve(__dirname, '..', 'web', 'dist'), path.resolve(__dirname, '..', '..', 'web', 'dist')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * The built web page (storefront and operator console) at `/`. Mounted after the API's routes, so an API path is
 * never shadowed by a file. Hashed assets are cached for a year; index.html is revalidated every time, so a new
 * build is picked up at the next load. Without a build, `/` says how to make one.
 */
export function webPage(webDir: string | null): RequestHandler {
  if (!webDir) {
    return (req, _res, next) => {
      if (req.method === 'GET' && (req.path === '/' || req.path === '/index.html')) {
        next(new Problem('WEB_PAGE_NOT_BUILT', 'the web page has not been built: run `npm run build:web`'));
      } else next();
    };
  }
  return express.static(webDir, {
    index: 'index.html',
    fallthrough: true,
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
