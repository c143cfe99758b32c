import { createServer } from 'node:http';
import pino from 'pino';
import { loadConfig } from '../config';
import { createPaymentsApp } from './app';
import { providerEvents } from './events';
import { parsePaymentFaults, type PaymentFaults } from './faults';

const config = loadConfig();
const logger = pino({ name: 'payments', level: config.LOG_LEVEL });
let faults: PaymentFaults | undefined;
try {
  // Opt-in fault mode for fault runs (see payments/faults.ts); unset means a well-behaved provider.
  faults = parsePaymentFaults(process.env.PAYMENTS_FAULTS);
} catch (error) {
  logger.fatal((error as Error).message);
  process.exit(1);
}
if (faults) logger.warn({ faults }, 'payments stand-in in FAULT MODE: slow, flaky and losing answers on every token');
// The books survive a restart, as a real provider's do; PAYMENTS_DATA_FILE= (empty) keeps them in memory only.
const dataFile = process.env.PAYMENTS_DATA_FILE ?? 'data/payments-ledger.jsonl';
if (config.PAYMENTS_API_KEY === undefined) {
  logger.fatal('PAYMENTS_API_KEY is not set: the stand-in answers only callers with a key (`npm start` makes a local one)');
  process.exit(1);
}
const apiKeys = [config.PAYMENTS_API_KEY, ...config.PAYMENTS_API_KEYS.split(',').map((key) => key.trim()).filter(Boolean)];
// The merchant's events go to PAYMENTS_EVENTS_URL (the API's POST /payments/events), when both it and the secret are set.
const events =
  config.PAYMENTS_EVENTS_URL !== undefined && config.PAYMENTS_WEBHOOK_SECRET !== undefined
    ? providerEvents({ url: config.PAYMENTS_EVENTS_URL, secret: config.PAYMENTS_WEBHOOK_SECRET, apiKey: config.PAYMENTS_API_KEY, logger })
    : undefined;
const server = createServer(createPaymentsApp({ logger, faults, dataFile: dataFile === '' ? undefined : dataFile, apiKeys, events }));

server.on('error', (error) => {
  logger.fatal({ err: error }, 'payments stand-in could not start');
  process.exit(1);
});

server.listen(config.PAYMENTS_PORT, config.PAYMENTS_HOST, () => {
  logger.info({ address: server.address() }, 'payments stand-in listening');
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'payments stand-in stopping');
  server.close(() => {
    logger.info('payments stand-in stopped');
    process.exit(0);
  });
  // Held lost-answer requests would keep close() waiting; their answers are meant to be lost anyway.
  server.closeAllConnections();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
