import 'reflect-metadata';
import { createLogger, exitAfterFlush } from '@app/common';
import { loadConfigOrExit } from '@app/config';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from '@app/database';
import { DataSource } from 'typeorm';

/** `npm run migration:run`: applies pending migrations, under the same lock as start-up. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.log.level);
  try {
    if (config.database.createIfMissing) await ensureDatabaseExists(config.database.url);
    const dataSource = await new DataSource(dataSourceOptions(config.database, 'kra-migrate')).initialize();
    const applied = await runMigrationsLocked(dataSource);
    await dataSource.destroy();
    logger.info(
      { applied },
      applied.length ? `Applied ${applied.length} migration(s)` : 'Database schema is up to date',
    );
  } catch (error) {
    logger.fatal({ err: error }, 'Migration failed');
    exitAfterFlush(logger, 1);
  }
}

void main();
