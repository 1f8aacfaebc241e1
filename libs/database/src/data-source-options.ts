import type { AppConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** Shared by the Nest module and the migration command, so both see the same database setup. */
export function dataSourceOptions(database: AppConfig['database'], applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: database.url,
    applicationName,
    poolSize: database.poolSize,
    // Bounds both connecting and waiting for a free connection of the pool.
    connectTimeoutMS: database.connectTimeoutMs,
    extra: statementTimeouts(database.statementTimeoutMs),
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // The pg pool must not crash the process when an idle client loses its server.
    poolErrorHandler: () => undefined,
  };
}

/**
 * The server cancels a statement after `statement_timeout`; the client gives up a little later
 * (`query_timeout`) when the server does not answer at all (a hung or unreachable database).
 */
function statementTimeouts(ms: number): Record<string, number> {
  return ms > 0 ? { statement_timeout: ms, query_timeout: ms + 1_000 } : {};
}
