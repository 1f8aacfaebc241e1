import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ApiModule } from './api.module';
import { applyGlobalPrefix } from './bootstrap';
import { buildOpenApiDocument } from './swagger';

/**
 * `npm run openapi`: writes openapi.json at the repository root. Preview mode reads the routes
 * without creating providers, so no database or Redis is needed.
 */
async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(loadConfig({})),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
    },
  );
  applyGlobalPrefix(app);
  const target = resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`);
  await app.close();
  process.stdout.write(`Wrote ${target}\n`);
}

void main();
