import { AppLogger, createLogger, NestPinoLogger, requestIdFor } from '@app/common';
import { AppConfig } from '@app/config';
import { ensureDatabaseExists } from '@app/database';
import { HttpMetrics } from '@app/monitoring';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { WorkerModule } from './worker.module';

export async function createWorkerApp(
  config: AppConfig,
  logger: AppLogger = createLogger(config.log.level),
): Promise<NestFastifyApplication> {
  if (config.database.createIfMissing) await ensureDatabaseExists(config.database.url);
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config),
    new FastifyAdapter({ requestIdHeader: false, genReqId: requestIdFor, bodyLimit: 16_384 }),
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.get(HttpMetrics).attach(app.getHttpAdapter().getInstance(), logger);
  await app.init();
  return app;
}
