/**
 * The killed-MySQL-connections fault: `KILL CONNECTION` of every connection the run's parts (workers, API instances)
 * hold to the run's own database, as a failover, a proxy restart or a DBA would cut them. Never the MariaDB server
 * (it is shared), never a connection to another database, and never the run's own connections (this process's: the
 * harness needs them for the verdict); those are told apart by their client port, from /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { forkSql, run, select } from '../db/sql';
import type { MikroORM } from '@mikro-orm/core';

/** Local TCP ports of this process's sockets (Linux: its socket inodes matched against /proc/net/tcp{,6}). */
export function ownTcpPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 10 || !inodes.has(columns[9])) continue;
      ports.add(parseInt(columns[1].split(':').pop()!, 16));
    }
  }
  return ports;
}

/** `127.0.0.1:54321` → 54321 (PROCESSLIST's HOST column). */
const clientPort = (host: string): number | undefined => {
  const port = Number(host.split(':').pop());
  return Number.isInteger(port) && port > 0 ? port : undefined;
};

export interface KilledConnections {
  killed: number;
  /** Connections of the database left alone because they are this process's. */
  spared: number;
  /** Statements the kills cut mid-way (their COMMAND was Query). */
  busy: number;
}

/** Kills every connection to `databaseName` but this process's own; resolves with the counts. */
export async function killDatabaseConnections(orm: MikroORM, databaseName: string): Promise<KilledConnections> {
  const em = forkSql(orm);
  const rows = await select<{ ID: number | string; HOST: string; COMMAND: string }>(
    em,
    'SELECT ID, HOST, COMMAND FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
    [databaseName],
  );
  const own = ownTcpPorts();
  const result: KilledConnections = { killed: 0, spared: 0, busy: 0 };
  for (const row of rows) {
    const port = clientPort(row.HOST);
    if (port === undefined || own.has(port)) {
      result.spared += 1;
      continue;
    }
    try {
      await run(em, `KILL CONNECTION ${Number(row.ID)}`);
      result.killed += 1;
      if (row.COMMAND === 'Query') result.busy += 1;
    } catch {
      /* it closed on its own between the look and the kill */
    }
  }
  return result;
}
