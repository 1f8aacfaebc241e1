import {
  AppLogger,
  clientErrorHandler,
  createLogger,
  frameworkErrorHandler,
  jsonBodyParser,
  NestPinoLogger,
  registerSecret,
  requestIdFor,
  securityHeaders,
  upgradeInsecureRequests,
} from '@app/common';
import { AppConfig } from '@app/config';
import { ensureDatabaseExists } from '@app/database';
import { HttpMetrics } from '@app/monitoring';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiModule } from './api.module';
import { mountQueueDashboard } from './queue-dashboard';
import { mountSwagger } from './swagger';

export const API_PREFIX = 'api/v2';

/** Everything under /api/v2, except the probes and metrics, which live where Kubernetes expects. */
export function applyGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['health/live', 'health/ready', 'metrics'] });
}

const EXPOSED_HEADERS = [
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
];

export interface ApiAppOptions {
  logger?: AppLogger;
  extraModules?: Type[];
}

/** Secrets from the configuration, registered so the redactor masks them wherever they appear. */
export function registerConfigSecrets(config: AppConfig): void {
  registerSecret(config.auth.adminApiKey);
  registerSecret(config.metrics.token);
  for (const url of [config.database.url, config.redis.url]) {
    const password = new URL(url).password;
    if (password) registerSecret(decodeURIComponent(password));
  }
}

/** Builds the API exactly as production runs it; `main.ts` listens, tests inject or listen. */
export async function createApiApp(config: AppConfig, options: ApiAppOptions = {}): Promise<NestFastifyApplication> {
  registerConfigSecrets(config);
  const logger = options.logger ?? createLogger(config.log.level);
  if (config.database.createIfMissing) await ensureDatabaseExists(config.database.url);

  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdFor,
    return503OnClosing: false,
    // Longer than any id or date: an over-long path parameter reaches its validator (400 naming it).
    routerOptions: { maxParamLength: 1_000 },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, options.extraModules),
    adapter,
    {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      // Our own JSON parser (below) instead of Nest's registration of Fastify's.
      bodyParser: false,
    },
  );

  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser);
  app.get(HttpMetrics).attach(fastify, logger);
  const headers = securityHeaders({
    contentSecurityPolicy: {
      // The Swagger UI page needs its inline bootstrap script and styles.
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        ...upgradeInsecureRequests(config.http.servedOverHttps),
      },
    },
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });

  // No CORS handling at all unless origins are configured: it would run on every request.
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? true : config.http.corsOrigins,
      exposedHeaders: EXPOSED_HEADERS,
    });
  }
  applyGlobalPrefix(app);
  if (config.http.swaggerEnabled) mountSwagger(app);
  await mountQueueDashboard(app, logger, config);
  await app.init();
  return app;
}
