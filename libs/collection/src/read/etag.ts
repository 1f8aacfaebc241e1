import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Observable } from 'rxjs';

/** Requests whose route opted in; the onSend hook below only touches those. */
const etagged = new WeakSet<FastifyRequest>();

@Injectable()
export class ETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    etagged.add(context.switchToHttp().getRequest<FastifyRequest>());
    return next.handle();
  }
}

/**
 * Strong ETags and conditional GETs for a controller's routes. The tag is computed in Fastify's
 * onSend hook from the serialised body, because only there is the body final, and only there can
 * the status become 304 (Nest sets the handler's status after interceptors have run).
 */
export function ETagged(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseInterceptors(ETagInterceptor),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'An ETag from an earlier response: 304 if the body is unchanged',
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the body would equal the one the `If-None-Match` ETag names',
    }),
  );
}

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored, `*` matches anything. */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/** Registers the onSend hook once per Fastify instance. */
export function registerETagHook(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (
      !etagged.has(request) ||
      reply.statusCode !== 200 ||
      (typeof payload !== 'string' && !Buffer.isBuffer(payload))
    ) {
      done(null, payload);
      return;
    }
    const etag = etagOf(payload);
    void reply.header('etag', etag);
    if (noneMatchHits(request.headers['if-none-match'], etag)) {
      void reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      done(null, '');
      return;
    }
    done(null, payload);
  });
}
