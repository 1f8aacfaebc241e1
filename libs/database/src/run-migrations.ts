import type { DataSource } from 'typeorm';
import { acquireAdvisoryLock, releaseAdvisoryLock } from './advisory-lock';

/** Any fixed 64-bit number works; it only has to be the same in every process of the product. */
const MIGRATION_LOCK_ID = 7_264_019_331;

/**
 * Applies pending migrations while holding a session-level advisory lock, so replicas starting
 * together take turns: the first applies them, the others then find nothing pending.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await acquireAdvisoryLock(runner, [MIGRATION_LOCK_ID]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await releaseAdvisoryLock(runner, [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}
