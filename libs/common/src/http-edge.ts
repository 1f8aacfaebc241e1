import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { errorBody } from './error-body';
import { parseJsonBody } from './json-body';

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'The request line and headers are larger than the server accepts (16 KiB); a long URL counts too',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request did not arrive in time'],
};

/**
 * Requests Node's HTTP parser refuses before any route runs (malformed requests, headers or URL
 * too large, timeouts): answered in the one error shape, with a request id and the reason, and
 * without echoing what was sent.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Malformed HTTP request'];
  const requestId = randomUUID();
  const body = JSON.stringify(errorBody(statusCode, message, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

const FRAMEWORK_ERRORS: Record<string, [number, string]> = {
  FST_ERR_MAX_PARAM_LENGTH: [414, 'A path segment of the URL is longer than the server accepts'],
  FST_ERR_BAD_URL: [400, 'The URL is not valid (bad percent-encoding?)'],
};

/** Errors of Fastify's router (a path parameter too long, a URL it cannot decode), in the one error shape; never echoing the URL. */
export function frameworkErrorHandler(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const [statusCode, message] = FRAMEWORK_ERRORS[error.code ?? ''] ?? [400, 'The request cannot be routed'];
  void reply
    .status(statusCode)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorBody(statusCode, message, request.id));
}

/** The API's JSON body parser for Fastify (see {@link parseJsonBody}); its errors reach the exception filter as HttpExceptions. */
export function jsonBodyParser(
  _request: FastifyRequest,
  body: string,
  done: (error: Error | null, body?: unknown) => void,
): void {
  try {
    done(null, parseJsonBody(body));
  } catch (error) {
    done(error as Error);
  }
}
