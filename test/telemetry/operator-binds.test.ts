/**
 * Finding 4 of the hostile probe: the metrics (stock and sales figures) and the codec server listened on every
 * interface under `npm start`, without authentication. They now listen on loopback unless told otherwise
 * (METRICS_HOST, CODEC_SERVER_HOST); the image sets 0.0.0.0, where the network policy keeps them inside.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config';
import { serveMetrics } from '../../telemetry/metrics-endpoint';
import { TEST_CODEC_KEY_ENTRY } from '../support/codec';
import { exitOf, stopProcessGroup } from '../support/entry-point';

const root = path.resolve(__dirname, '..', '..');

test('without METRICS_HOST the metrics listen on 127.0.0.1 only', async () => {
  const { METRICS_HOST } = loadConfig({});
  expect(METRICS_HOST).toBe('127.0.0.1');
  const endpoint = await serveMetrics({ port: 0, host: METRICS_HOST }, [async () => '']);
  try {
    expect(endpoint.address).toBe('127.0.0.1');
  } finally {
    await endpoint.close();
  }
});

test('without CODEC_SERVER_HOST the codec server (npm run codec-server) listens on 127.0.0.1 only', async () => {
  const { CODEC_SERVER_HOST: _unset, ...env } = process.env;
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['codec-server/main.ts'], {
    cwd: root,
    env: { ...env, CODEC_SERVER_PORT: '0', TEMPORAL_CODEC_KEYS: TEST_CODEC_KEY_ENTRY, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const started = output.split('\n').find((text) => text.includes('codec server on'));
        if (started) resolve(started);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exitOf(child).then((code) => reject(new Error(`the codec server exited (${code}): ${output}`)));
    });
    expect(JSON.parse(line).address).toBe('127.0.0.1');
  } finally {
    await stopProcessGroup(child);
  }
}, 30_000);

test('the image listens on every interface, for the pods and containers beside it', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^\s+METRICS_HOST=0\.0\.0\.0 \\$/m);
  expect(dockerfile).toMatch(/^\s+CODEC_SERVER_HOST=0\.0\.0\.0 \\$/m);
});
