/**
 * An entry point that cannot bind its port says so and exits, instead of logging "listening" and serving nothing
 * (Express 5's app.listen hands the bind error to its callback).
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { listenOn } from '../../api/listen';

test('listenOn serves the handler once the port is bound, and rejects with EADDRINUSE when the port is taken', async () => {
  const app = express().get('/ping', (_req, res) => {
    res.send('pong');
  });
  const first = await listenOn(app, 0, '127.0.0.1');
  const { port } = first.address() as AddressInfo;
  try {
    expect(await (await fetch(`http://127.0.0.1:${port}/ping`)).text()).toBe('pong');
    await expect(listenOn(app, port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    await new Promise((resolve) => first.close(resolve));
  }
});
