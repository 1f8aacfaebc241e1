import { KRA_RESULT_CODES, KraResultCode } from '@app/kra-client';
import { FAULT_KINDS, FaultKind, FaultTarget, GatewayErrorStatus, isFaultKind, ServiceFaults } from './faults';
import { SERVICE_NAMES } from './services';

/** Validation of the admin routes' JSON bodies: a typo must fail loudly, not silently do nothing. */

export interface FaultsBody {
  service: FaultTarget;
  faults?: ServiceFaults | null;
  failNext?: FaultKind[];
}

type Parsed<T> = T | { error: string };

const GATEWAY_STATUSES: readonly number[] = [200, 401, 403, 429];
const FAULT_FIELDS = ['latencyMs', 'jitterMs', 'rates', 'gatewayError', 'dailyQuota', 'quotaError'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isFormat(value: unknown): value is 'xml' | 'json' {
  return value === 'xml' || value === 'json';
}

export function parseServiceFaults(value: unknown): Parsed<ServiceFaults> {
  if (!isObject(value)) return { error: 'faults must be an object or null' };
  const unknown = Object.keys(value).filter((field) => !FAULT_FIELDS.includes(field));
  if (unknown.length > 0) return { error: `unknown fault fields: ${unknown.join(', ')}` };
  const faults: ServiceFaults = {};
  for (const field of ['latencyMs', 'jitterMs', 'dailyQuota'] as const) {
    if (value[field] === undefined) continue;
    if (!isNonNegative(value[field])) return { error: `${field} must be a non-negative number` };
    faults[field] = value[field];
  }
  if (value.rates !== undefined) {
    if (!isObject(value.rates)) return { error: 'rates must be an object' };
    for (const [kind, rate] of Object.entries(value.rates)) {
      if (!isFaultKind(kind)) return { error: `unknown fault kind ${kind}; known: ${FAULT_KINDS.join(', ')}` };
      if (!isNonNegative(rate) || rate > 1) return { error: `rate of ${kind} must be between 0 and 1` };
    }
    faults.rates = value.rates;
  }
  if (value.gatewayError !== undefined) {
    const gateway = value.gatewayError;
    if (gateway === null) faults.gatewayError = null;
    else if (!isObject(gateway) || typeof gateway.code !== 'string' || !(gateway.code in KRA_RESULT_CODES))
      return { error: 'gatewayError.code must be a KRA result code such as "22"' };
    else if (gateway.status !== undefined && !GATEWAY_STATUSES.includes(gateway.status as number))
      return { error: 'gatewayError.status must be 200, 401, 403 or 429' };
    else if (gateway.format !== undefined && !isFormat(gateway.format))
      return { error: 'gatewayError.format must be xml or json' };
    else
      faults.gatewayError = {
        code: gateway.code as KraResultCode,
        status: gateway.status as GatewayErrorStatus | undefined,
        format: gateway.format,
      };
  }
  if (value.quotaError !== undefined) {
    const quota = value.quotaError;
    if (
      !isObject(quota) ||
      (quota.status !== undefined && !GATEWAY_STATUSES.includes(quota.status as number)) ||
      (quota.format !== undefined && !isFormat(quota.format))
    ) {
      return { error: 'quotaError must be { status?: 200|401|403|429, format?: xml|json }' };
    }
    faults.quotaError = { status: quota.status as GatewayErrorStatus | undefined, format: quota.format };
  }
  return faults;
}

/** PUT /_sandbox/faults: { service: "API214_1" | "*", faults?: {...} | null, failNext?: ["http500", …] } */
export function parseFaultsBody(body: unknown): Parsed<FaultsBody> {
  if (!isObject(body)) return { error: 'body must be a JSON object' };
  const service = body.service;
  if (service !== '*' && !(SERVICE_NAMES as readonly unknown[]).includes(service))
    return { error: `service must be "*" or one of ${SERVICE_NAMES.join(', ')}` };
  const parsed: FaultsBody = { service: service as FaultTarget };
  if (body.faults === null) parsed.faults = null;
  else if (body.faults !== undefined) {
    const faults = parseServiceFaults(body.faults);
    if ('error' in faults) return faults;
    parsed.faults = faults;
  }
  if (body.failNext !== undefined) {
    if (!Array.isArray(body.failNext) || !body.failNext.every(isFaultKind))
      return { error: `failNext must be a list of ${FAULT_KINDS.join(', ')}` };
    parsed.failNext = body.failNext;
  }
  return parsed;
}

/** PUT /_sandbox/clock: { now: ISO date-time | null } */
export function parseClockBody(body: unknown): Parsed<{ now: Date | null }> {
  if (!isObject(body) || !('now' in body)) return { error: 'body must be { "now": ISO date-time | null }' };
  if (body.now === null) return { now: null };
  if (typeof body.now !== 'string' || Number.isNaN(Date.parse(body.now)))
    return { error: 'now must be an ISO date-time or null' };
  return { now: new Date(body.now) };
}
