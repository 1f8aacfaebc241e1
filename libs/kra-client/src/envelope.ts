import { XMLParser } from 'fast-xml-parser';
import {
  errorForResultCode,
  KraAuthError,
  KraBadRequestError,
  KraError,
  KraQuotaExceededError,
  KraTransientError,
  KraUpstreamError,
} from './kra-errors';
import type { RawItem } from './kra-records';
import { nextKstMidnight } from '@app/calendar';
import { redactString } from '@app/common';

/** One page of a successful answer. */
export interface KraPage {
  items: RawItem[];
  totalCount: number;
  pageNo: number;
  numOfRows: number;
}

export interface KraHttpAnswer {
  status: number;
  body: string;
  retryAfterSeconds?: number;
}

// Every XML value stays text, like the gateway's own XML; numbers are coerced by the normalisers.
const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true, ignoreDeclaration: true });

/**
 * Reads a gateway answer whatever its form: the normal envelope in JSON or XML, a gateway error
 * (OpenAPI_ServiceResponse, XML or JSON, with HTTP 200 or 401/403/429), or a plain-text or HTML
 * error page. The body decides first; the HTTP status only when the body says nothing usable.
 */
export function readKraAnswer(service: string, answer: KraHttpAnswer, now: () => Date = () => new Date()): KraPage {
  const document = parseDocument(answer.body);
  if (document === undefined) throw errorFromStatus(service, answer, 'unreadable body');
  const gateway = (document.OpenAPI_ServiceResponse ?? document) as Record<string, unknown>;
  const header = gateway.cmmMsgHeader as Record<string, unknown> | undefined;
  if (header && header.returnReasonCode !== undefined) {
    const code = scalar(header.returnReasonCode).padStart(2, '0');
    throw errorForResultCode(service, code, scalar(header.returnAuthMsg), answer.status, () => nextKstMidnight(now()));
  }
  const response = document.response as
    { header?: Record<string, unknown>; body?: Record<string, unknown> } | undefined;
  const resultCode = response?.header?.resultCode;
  if (resultCode === undefined) throw errorFromStatus(service, answer, 'no response envelope');
  const code = scalar(resultCode).padStart(2, '0');
  if (code === '03') return { items: [], totalCount: 0, pageNo: 1, numOfRows: 0 };
  if (code !== '00') {
    throw errorForResultCode(service, code, scalar(response?.header?.resultMsg), answer.status, () =>
      nextKstMidnight(now()),
    );
  }
  const body = response?.body ?? {};
  return {
    items: itemsOf(body.items),
    totalCount: toInt(body.totalCount),
    pageNo: toInt(body.pageNo) || 1,
    numOfRows: toInt(body.numOfRows),
  };
}

function parseDocument(body: string): Record<string, unknown> | undefined {
  const text = body.trim();
  try {
    if (text.startsWith('{')) return JSON.parse(text) as Record<string, unknown>;
    if (text.startsWith('<') && !/^<(!doctype\s+html|html)/i.test(text)) {
      const parsed = xml.parse(text) as Record<string, unknown>;
      return Object.keys(parsed).length > 0 ? parsed : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** `item` is an object for one row, an array for several; `items` is "" when there are none. */
function itemsOf(items: unknown): RawItem[] {
  if (!items || typeof items !== 'object') return [];
  const item = (items as { item?: unknown }).item;
  if (item === undefined || item === null || item === '') return [];
  return (Array.isArray(item) ? item : [item]).filter((row): row is RawItem => typeof row === 'object' && row !== null);
}

/** A header value as text: XML gives strings, JSON may give numbers. */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function toInt(value: unknown): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) ? Math.trunc(parsed) : 0;
}

function errorFromStatus(service: string, answer: KraHttpAnswer, what: string): KraError {
  const { status } = answer;
  const snippet = redactString(answer.body).replace(/\s+/g, ' ').trim().slice(0, 80);
  const message = `${what} with HTTP ${status}${snippet ? ` (“${snippet}”)` : ''}`;
  if (status === 429) return new KraQuotaExceededError(service, nextKstMidnight(), undefined, status);
  if (status === 401 || status === 403) return new KraAuthError(service, message, undefined, status);
  if (status === 400) return new KraBadRequestError(service, message, undefined, status);
  if (status === 404) return new KraUpstreamError(service, message, undefined, status);
  // 5xx, and routing or load errors that come back as text with HTTP 200.
  return new KraTransientError(service, message, undefined, status, answer.retryAfterSeconds);
}
