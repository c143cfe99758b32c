/**
 * Quiet: no order PENDING/RESERVED in MySQL, no refund PENDING, and no order workflow Running in Temporal. Every order reaches a terminal
 * state on its own (I4), so after the load the run only waits, within a bound.
 */
import { Client, Connection } from '@temporalio/client';
import { forkSql, select } from '../db/sql';
import type { ChaosStack } from './stack';

export interface OpenOrder {
  id: string;
  status: string;
  reservedUntil: string | null;
  createdAt: string;
}

export interface QuietResult {
  reached: boolean;
  waitedMs: number;
  openOrders: OpenOrder[];
  /** Order workflows still Running at the last look (-1: Temporal did not answer). */
  runningWorkflows: number;
  /** Refunds still PENDING at the last look (their provider step still deciding). */
  pendingRefunds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function openOrders(stack: Pick<ChaosStack, 'orm'>): Promise<OpenOrder[]> {
  const rows = await select<{ id: string; status: string; reserved_until: unknown; created_at: unknown }>(
    forkSql(stack.orm),
    "SELECT id, status, reserved_until, created_at FROM orders WHERE status IN ('PENDING', 'RESERVED') ORDER BY created_at",
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    reservedUntil: row.reserved_until === null ? null : String(row.reserved_until),
    createdAt: String(row.created_at),
  }));
}

export async function pendingRefunds(stack: Pick<ChaosStack, 'orm'>): Promise<number> {
  const [row] = await select<{ n: number | string }>(forkSql(stack.orm), "SELECT COUNT(*) AS n FROM refund WHERE status = 'PENDING'");
  return Number(row?.n ?? 0);
}

async function runningOrderWorkflows(client: Client): Promise<number> {
  const { count } = await client.workflow.count(`WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running'`);
  return count;
}

export async function waitForQuiet(stack: ChaosStack, timeoutMs: number, log: (line: string) => void): Promise<QuietResult> {
  const started = Date.now();
  const connection = await Connection.connect({ address: stack.temporalAddress, connectTimeout: 10_000 });
  const client = new Client({ connection, namespace: stack.namespace });
  let lastLog = 0;
  let open: OpenOrder[] = [];
  let running = -1;
  let refunds = 0;
  try {
    for (;;) {
      open = await openOrders(stack);
      refunds = await pendingRefunds(stack);
      running = await runningOrderWorkflows(client).catch(() => -1);
      const waitedMs = Date.now() - started;
      const state = { waitedMs, openOrders: open, runningWorkflows: running, pendingRefunds: refunds };
      if (open.length === 0 && running === 0 && refunds === 0) return { reached: true, ...state };
      if (waitedMs > timeoutMs) return { reached: false, ...state };
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`waiting for quiet: ${open.length} order(s) open in MySQL, ${refunds} refund(s) pending, ${running < 0 ? '?' : running} workflow(s) running (${Math.round(waitedMs / 1000)} s)`);
      }
      await sleep(1_000);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
