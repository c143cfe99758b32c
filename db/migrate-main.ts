/**
 * `npm run db:migrate`: brings the schema of DATABASE_URL up to date. With `--seed-demo` (the containers' migrate job)
 * it also adds the demo products when the catalogue is empty, as `npm start` does.
 */
import { loadConfig } from '../config';
import { migrateUp } from './migrate';
import { DatabaseUnreachableError, openOrm } from './orm';
import { seedDemoProducts } from './seed';

const START_MARIADB = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';

async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig();
  const orm = await openOrm(DATABASE_URL);
  try {
    const applied = await migrateUp(orm);
    console.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
    if (process.argv.includes('--seed-demo')) {
      const seeded = await seedDemoProducts(orm);
      if (seeded.length > 0) console.log(`demo products added: ${seeded.map((product) => product.sku).join(', ')}`);
    }
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof DatabaseUnreachableError) {
    console.error(error.serverDown ? `${error.message}. Start it with: ${START_MARIADB}` : error.message);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  }
  process.exit(1);
});
