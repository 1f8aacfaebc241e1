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
    connectTimeoutMS: 5_000,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // The pg pool must not crash the process when an idle client loses its server.
    poolErrorHandler: () => undefined,
  };
}
