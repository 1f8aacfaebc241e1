import 'reflect-metadata';
import { closeOnSignals, createLogger, exitAfterFlush } from '@app/common';
import { loadConfigOrExit } from '@app/config';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.log.level);
  try {
    const app = await createWorkerApp(config, logger);
    closeOnSignals(app, config.http.shutdownGraceMs, logger);
    await app.listen({ host: config.http.host, port: config.worker.port });
    logger.info({ port: config.worker.port }, `Worker running; probes and metrics on port ${config.worker.port}`);
  } catch (error) {
    logger.fatal({ err: error }, 'Worker failed to start');
    exitAfterFlush(logger, 1);
  }
}

void main();
