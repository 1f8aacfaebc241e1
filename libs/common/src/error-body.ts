import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
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

/** Fastify's client errors reach us wrapped in an HttpException; these read better than its texts. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Body cannot be empty when content-type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/** A thrown value turned into the error body. Anything not an HttpException is a 500 with no internals. */
export function toErrorBody(exception: unknown, requestId: string): ErrorBody {
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
  return build(statusCode, redactString(message), requestId, details === undefined ? undefined : redact(details));
}

function internalError(statusCode: number, requestId: string): ErrorBody {
  const message =
    statusCode === 500
      ? 'Internal server error; quote the request id when reporting it'
      : (STATUS_CODES[statusCode] ?? 'Server error');
  return build(statusCode, message, requestId);
}

function build(statusCode: number, message: string, requestId: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId };
  if (details !== undefined) body.details = details;
  return body;
}
