import { KRA_RESULT_CODES, KraResultCode, RawValue } from '@app/kra-client';

/** The gateway's bodies, byte-compatible with the captured fixtures (JSON indented by 2, compact XML). */

export type ResponseFormat = 'json' | 'xml';
type RawItem = Record<string, RawValue>;

export const CONTENT_TYPES: Record<ResponseFormat, string> = {
  json: 'application/json;charset=UTF-8',
  xml: 'text/xml;charset=UTF-8',
};

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
const NORMAL_SERVICE = 'NORMAL SERVICE.';

export interface Page {
  items: RawItem[];
  numOfRows: number;
  pageNo: number;
  totalCount: number;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char] ?? char,
  );
}

function xmlElement(name: string, value: RawValue): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function xmlItem(item: RawItem): string {
  return `<item>${Object.entries(item)
    .map(([field, value]) => xmlElement(field, value))
    .join('')}</item>`;
}

/** `item` is an object for exactly one row and an array otherwise; no rows is `"items": ""` / `<items/>`. */
export function renderPage(page: Page, format: ResponseFormat): string {
  if (format === 'json') {
    const items = page.items.length === 0 ? '' : { item: page.items.length === 1 ? page.items[0] : page.items };
    const body = { items, numOfRows: page.numOfRows, pageNo: page.pageNo, totalCount: page.totalCount };
    return JSON.stringify({ response: { header: { resultCode: '00', resultMsg: NORMAL_SERVICE }, body } }, null, 2);
  }
  const items = page.items.length === 0 ? '<items/>' : `<items>${page.items.map(xmlItem).join('')}</items>`;
  const paging =
    xmlElement('numOfRows', page.numOfRows) +
    xmlElement('pageNo', page.pageNo) +
    xmlElement('totalCount', page.totalCount);
  return `${XML_DECLARATION}<response><header><resultCode>00</resultCode><resultMsg>${NORMAL_SERVICE}</resultMsg></header><body>${items}${paging}</body></response>`;
}

/** A service error: the normal envelope with resultCode ≠ "00" and no body. */
export function renderServiceError(code: KraResultCode, format: ResponseFormat): string {
  const resultMsg = KRA_RESULT_CODES[code];
  if (format === 'json') return JSON.stringify({ response: { header: { resultCode: code, resultMsg } } }, null, 2);
  return `${XML_DECLARATION}<response><header>${xmlElement('resultCode', code)}${xmlElement('resultMsg', resultMsg)}</header></response>`;
}

/** A gateway error, raised before the service runs (key, quota, unknown path …). */
export function renderGatewayError(code: KraResultCode, format: ResponseFormat): string {
  const header = { errMsg: 'SERVICE ERROR', returnAuthMsg: KRA_RESULT_CODES[code], returnReasonCode: code };
  if (format === 'json') return JSON.stringify({ OpenAPI_ServiceResponse: { cmmMsgHeader: header } });
  const fields = Object.entries(header)
    .map(([field, value]) => xmlElement(field, value))
    .join('');
  return `<OpenAPI_ServiceResponse><cmmMsgHeader>${fields}</cmmMsgHeader></OpenAPI_ServiceResponse>`;
}

export const PLAIN_TEXT_ERROR = 'SERVICE ERROR - HTTP ROUTING ERROR';

export const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>502 Bad Gateway</title></head>' +
  '<body><h1>Bad Gateway</h1><p>SERVICE ERROR - HTTP ROUTING ERROR</p><hr><address>apigw</address></body></html>';
