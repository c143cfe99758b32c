import { loadConfig } from '../config';
import { devServerOptionsFrom, startDevServer } from './dev-server';

/** `npm run temporal`: the local Temporal dev server on its own, with the Web UI. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startDevServer(devServerOptionsFrom(config));
  console.log(`Temporal dev server on ${config.TEMPORAL_ADDRESS}, Web UI on http://localhost:${config.TEMPORAL_UI_PORT}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill('SIGTERM'));
  server.on('exit', (code) => process.exit(code ?? 0));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
