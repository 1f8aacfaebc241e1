import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from './database-errors';
import { redact, redactString } from './redact';

/** The one error body of the whole API. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
  details?: unknown;
}

export interface FieldProblem {
  field: string;
  reason: string;
}

/** Fastify's client errors reach us wrapped in an HttpException; these read better than its texts (JSON bodies are parsed by our own parser: json-body.ts). */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/**
 * A thrown value turned into the error body. A database that is down or hanging is a 503 (the
 * request may succeed later); anything else not an HttpException is a 500 with no internals.
 */
export function toErrorBody(exception: unknown, requestId: string): ErrorBody {
  if (isDatabaseUnavailable(exception))
    return errorBody(HttpStatus.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, requestId);
  if (!(exception instanceof HttpException)) return internalError(HttpStatus.INTERNAL_SERVER_ERROR, requestId);
  const statusCode = exception.getStatus();
  if (statusCode >= 500 && statusCode !== 503) return internalError(statusCode, requestId);
  const response = exception.getResponse();
  const frameworkCode = (exception.cause as { code?: unknown } | undefined)?.code;
  let message = (typeof frameworkCode === 'string' && FRAMEWORK_MESSAGES[frameworkCode]) || exception.message;
  let details: unknown;
  if (typeof response === 'object' && response !== null) {
    const body = response as { message?: unknown; details?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.map(String).join('; ');
    details = body.details;
  }
  return errorBody(statusCode, redactString(message), requestId, details === undefined ? undefined : redact(details));
}

function internalError(statusCode: number, requestId: string): ErrorBody {
  const message =
    statusCode === 500
      ? 'Internal server error; quote the request id when reporting it'
      : (STATUS_CODES[statusCode] ?? 'Server error');
  return errorBody(statusCode, message, requestId);
}

/** The error body of a status and message, as every error of the API has it. */
export function errorBody(statusCode: number, message: string, requestId: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
  if (details !== undefined) body.details = details;
  return body;
}
