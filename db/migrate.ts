import type { MikroORM } from '@mikro-orm/core';

/** Applies every pending migration and returns the names applied (none when the schema is current). */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
