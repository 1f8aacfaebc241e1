import { createLogger } from '@app/common';
import { AppConfig } from '@app/config';
import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { createApiApp } from '../../apps/api/src/bootstrap';

export interface RunningApi {
  app: NestFastifyApplication;
  baseUrl: string;
  /** Every log line the app wrote, as raw JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/** Starts the API in this process on a free port, exactly as main.ts builds it, capturing its logs. */
export async function startApi(config: AppConfig, extraModules: Type[] = []): Promise<RunningApi> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createApiApp(config, { logger: createLogger(config.log.level, sink), extraModules });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, baseUrl: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

/** Parsed log lines that carry a given field value. */
export function logLines(logs: string[]): Record<string, unknown>[] {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}
