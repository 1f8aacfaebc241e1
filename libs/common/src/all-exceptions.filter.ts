import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-errors';
import { toErrorBody } from './error-body';

/**
 * Every error leaves the API in one shape, Fastify's own (404, 413, bad JSON) included: Nest routes
 * those here too. 500s are logged with their cause and answered with the request id only. A
 * database that is down or hanging is a 503 with Retry-After: the request may succeed later.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = toErrorBody(exception, request.id);
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception, requestId: request.id, method: request.method }, 'Database unavailable');
      if (!reply.sent) void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (!(exception instanceof HttpException) || body.statusCode === 500) {
      this.logger.error(
        { err: exception, requestId: request.id, method: request.method, url: request.url },
        'Unhandled error',
      );
    }
    if (reply.sent) return;
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
