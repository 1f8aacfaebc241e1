import { AppLogger } from '@app/common';
import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';
const UNMATCHED_ROUTE = 'unmatched';

/**
 * One log line and one histogram sample per request, from Fastify's hooks so that every response
 * counts, including those that never reach a Nest handler (404, 413, malformed JSON). Labels and
 * log fields use the route template, never the raw URL.
 */
@Injectable()
export class HttpMetrics {
  constructor(
    @InjectMetric(HTTP_DURATION_METRIC) private readonly duration: Histogram<'method' | 'route' | 'status'>,
  ) {}

  attach(fastify: FastifyInstance, logger: AppLogger): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      const seconds = reply.elapsedTime / 1000;
      this.duration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
      logger.info(
        {
          requestId: request.id,
          method: request.method,
          route,
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
          apiKeyId: request.apiKey?.id,
        },
        'request',
      );
      done();
    });
  }
}
