/**
 * The killed-MySQL-connections fault hits exactly what it should: another process's connection to the run's database
 * (cut mid-statement), never this process's own connections, never a connection to another database.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createConnection } from 'mysql2/promise';
import type { AddressInfo } from 'node:net';
import { forkSql, select } from '../../db/sql';
import { killDatabaseConnections, ownTcpPorts } from '../../chaos/mysql-connections';
import { withScratchDatabase } from '../support/db';

/** A separate process holding one connection to `databaseUrl` in a long statement; resolves with how it ended. */
function sleeperProcess(databaseUrl: string): { ended: Promise<string> } {
  const script = `
    const mysql = require('mysql2/promise');
    (async () => {
      const connection = await mysql.createConnection(process.argv[1]);
      process.stdout.write('connected\\n');
      try { await connection.query('SELECT SLEEP(30)'); console.log('finished'); } catch (error) { console.log('cut: ' + error.code); }
      process.exit(0);
    })();`;
  const child = spawn(process.execPath, ['-e', script, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { ended: new Promise((resolve) => child.once('exit', () => resolve(output.trim()))) };
}

test('this process knows its own TCP ports', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    expect(ownTcpPorts().has((server.address() as AddressInfo).port)).toBe(true);
  } finally {
    server.close();
  }
});

test("KILL CONNECTION cuts another process's statement on the run's database and spares this process's connections", async () => {
  await withScratchDatabase(async (orm) => {
    const [{ db }] = await select<{ db: string }>(forkSql(orm), 'SELECT DATABASE() AS db');
    const url = new URL(orm.config.getClientUrl());
    url.pathname = `/${db}`;
    const sleeper = sleeperProcess(url.toString());
    // A connection of this process that is not the pool's: a kill would end it for good.
    const own = await createConnection(url.toString());
    const inTheDatabase = async () =>
      (await select<{ n: number | string }>(forkSql(orm), "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'SELECT SLEEP%'", [db]))[0].n;
    for (let i = 0; i < 100 && Number(await inTheDatabase()) === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));

    try {
      const result = await killDatabaseConnections(orm, db);

      expect(result).toMatchObject({ killed: 1, busy: 1 });
      expect(result.spared).toBeGreaterThanOrEqual(1);
      expect(await sleeper.ended).toMatch(/^connected\ncut: /);
      expect((await own.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
    } finally {
      await own.end();
    }
  });
});
