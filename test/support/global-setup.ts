import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { withAdminClient } from './infra';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One id per test run: the shared seasons' template databases carry it. */
    testRunId: string;
  }
}

/** Names this run's shared template databases; drops them when the run ends. */
export default function setup(project: TestProject): () => Promise<void> {
  const runId = randomBytes(4).toString('hex');
  project.provide('testRunId', runId);
  return () =>
    withAdminClient(async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `SELECT datname AS name FROM pg_database WHERE datname LIKE $1`,
        [`kra_tpl_%_${runId}`],
      );
      for (const { name } of rows) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
}
