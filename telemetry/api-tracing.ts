/** Imported first by api/main.ts: tracing must patch http, ioredis and mysql2 before anything loads them. */
import { startTracing } from './tracing';

export const apiTracing = startTracing('order-saga-api');
