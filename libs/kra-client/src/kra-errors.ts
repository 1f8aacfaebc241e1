import { KRA_RESULT_CODES, KraResultCode } from './kra-services';

/**
 * Every failure of a KRA call, classified so callers can decide without string matching:
 * transient ones are retried, the rest are not. Messages never contain the request URL (it
 * carries the service key).
 */
export abstract class KraError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    readonly service: string,
    message: string,
    readonly code?: string,
    readonly httpStatus?: number,
  ) {
    super(`${service}: ${message}`);
    this.name = new.target.name;
  }
}

/** 5xx, timeouts, connection resets, codes 01/02/04/05/99, unreadable bodies: try again later. */
export class KraTransientError extends KraError {
  readonly retryable = true;

  constructor(
    service: string,
    message: string,
    code?: string,
    httpStatus?: number,
    /** Seconds the gateway asked us to wait (Retry-After), if it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(service, message, code, httpStatus);
  }
}

/** Code 22 or HTTP 429: the service's daily quota is spent until midnight KST. */
export class KraQuotaExceededError extends KraError {
  readonly retryable = false;

  constructor(
    service: string,
    readonly resetAt: Date,
    code?: string,
    httpStatus?: number,
  ) {
    super(service, `daily quota exhausted; calls resume at ${resetAt.toISOString()}`, code, httpStatus);
  }
}

/** Codes 20, 21, 30–33, HTTP 401/403: the key is wrong, expired or not subscribed to the service. */
export class KraAuthError extends KraError {
  readonly retryable = false;
}

/** Codes 10, 11, HTTP 400: our request is wrong. */
export class KraBadRequestError extends KraError {
  readonly retryable = false;
}

/** Code 12 (no such service) or an envelope we cannot make sense of. */
export class KraUpstreamError extends KraError {
  readonly retryable = false;
}

const TRANSIENT_CODES = new Set(['01', '02', '04', '05', '99']);
const AUTH_CODES = new Set(['20', '21', '30', '31', '32', '33']);
const BAD_REQUEST_CODES = new Set(['10', '11']);

/** The error for a non-success result code, per the gateway's table. `03` (no data) is not an error. */
export function errorForResultCode(
  service: string,
  code: string,
  message: string,
  httpStatus: number,
  resetAt: () => Date,
): KraError {
  const name = KRA_RESULT_CODES[code as KraResultCode] ?? 'UNKNOWN_CODE';
  const text = `${name} (code ${code}${message && message !== name ? `: ${message}` : ''})`;
  if (code === '22') return new KraQuotaExceededError(service, resetAt(), code, httpStatus);
  if (TRANSIENT_CODES.has(code)) return new KraTransientError(service, text, code, httpStatus);
  if (AUTH_CODES.has(code)) return new KraAuthError(service, text, code, httpStatus);
  if (BAD_REQUEST_CODES.has(code)) return new KraBadRequestError(service, text, code, httpStatus);
  return new KraUpstreamError(service, text, code, httpStatus);
}
