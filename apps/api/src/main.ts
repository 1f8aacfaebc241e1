import 'reflect-metadata';
import { closeOnSignals, createLogger, exitAfterFlush } from '@app/common';
import { loadConfigOrExit } from '@app/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.log.level);
  try {
    const app = await createApiApp(config, { logger });
    closeOnSignals(app, config.http.shutdownGraceMs, logger);
    await app.listen({ host: config.http.host, port: config.http.port });
    logger.info({ port: config.http.port }, `API listening on port ${config.http.port}; docs at /docs`);
  } catch (error) {
    logger.fatal({ err: error }, 'API failed to start');
    exitAfterFlush(logger, 1);
  }
}

void main();
