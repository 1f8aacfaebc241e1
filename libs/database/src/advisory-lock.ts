import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from 'typeorm';

const RETRY_MS = 50;

/**
 * Takes a session-level advisory lock on this runner's connection, waiting as long as another
 * session holds it. It polls `pg_try_advisory_lock` instead of blocking in `pg_advisory_lock`: a
 * wait of minutes (another run of the same day) must not count as one long statement against
 * the statement timeout.
 */
export async function acquireAdvisoryLock(runner: QueryRunner, keys: [number] | [number, number]): Promise<void> {
  const sql =
    keys.length === 1 ? 'SELECT pg_try_advisory_lock($1) AS locked' : 'SELECT pg_try_advisory_lock($1, $2) AS locked';
  for (;;) {
    const [row] = (await runner.query(sql, keys)) as { locked: boolean }[];
    if (row?.locked) return;
    await sleep(RETRY_MS);
  }
}

export async function releaseAdvisoryLock(runner: QueryRunner, keys: [number] | [number, number]): Promise<void> {
  await runner.query(keys.length === 1 ? 'SELECT pg_advisory_unlock($1)' : 'SELECT pg_advisory_unlock($1, $2)', keys);
}
