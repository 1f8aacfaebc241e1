import type { INestApplicationContext } from '@nestjs/common';
import { AppLogger, exitAfterFlush } from './logger';

/**
 * SIGTERM/SIGINT: close the app (stop accepting, let in-flight work finish, close Postgres and
 * Redis) and exit 0; if that takes longer than the grace period, exit 1 anyway.
 */
export function closeOnSignals(app: INestApplicationContext, graceMs: number, logger: AppLogger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal, graceMs }, 'Shutting down');
    setTimeout(() => {
      logger.error({ graceMs }, 'Shutdown grace period exceeded; exiting with work still in flight');
      exitAfterFlush(logger, 1);
    }, graceMs).unref();
    app.close().then(
      () => {
        logger.info('Shut down cleanly');
        exitAfterFlush(logger, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Error while shutting down');
        exitAfterFlush(logger, 1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
