import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import type { Logger as Pino } from 'pino';

/**
 * The SDK's own log lines (workflow and activity logs, worker state) go through the service's pino logger, so
 * LOG_LEVEL governs them too: at the default level the per-activity INFO lines cost nothing.
 */
export function sdkLoggerFrom(pino: Pino): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const method = level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    // Asked first: the SDK logs every activity's start and end, and building the line's fields is most of its cost.
    if (!pino.isLevelEnabled(method)) return;
    // The workflow id is the order id: lines of a workflow or an activity say which order they are about.
    const orderId = typeof meta?.workflowId === 'string' && meta.orderId === undefined ? { orderId: meta.workflowId } : {};
    pino[method]({ ...orderId, ...meta }, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
