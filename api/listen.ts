import http from 'node:http';
import type { RequestListener } from 'node:http';

/**
 * Serves `handler` on `port` (and `host`, when given) once the port is really bound. Express 5's `app.listen` hands a
 * bind error (the port taken) to its callback, so a process that logs "listening" there would run on serving nothing;
 * this rejects instead, and the entry point exits saying why.
 */
export function listenOn(handler: RequestListener, port: number, host?: string): Promise<http.Server> {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve(server);
    };
    if (host === undefined) server.listen(port, listening);
    else server.listen(port, host, listening);
  });
}
