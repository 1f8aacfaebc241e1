import { createKraSandbox, defaultFixturesDir, FIXTURE_FILES, KraSandbox } from '@app/kra-sandbox';
import { XMLParser } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/** A raw ("Decoding") key with the characters that break when encoded twice. */
const RAW_KEY = 'e2e+Sandbox/Key==';
const FIXTURES_DIR = defaultFixturesDir();
/** Long after every race the tests look at: all results are in. */
const AFTER_EVERYTHING = '2026-01-01T00:00:00Z';

type Item = Record<string, unknown>;
interface JsonEnvelope {
  response: {
    header: { resultCode: string; resultMsg: string };
    body?: { items: { item: Item | Item[] } | ''; numOfRows: number; pageNo: number; totalCount: number };
  };
}
interface GatewayError {
  OpenAPI_ServiceResponse: { cmmMsgHeader: { errMsg: string; returnAuthMsg: string; returnReasonCode: string } };
}

const xml = new XMLParser({ parseTagValue: false });

function itemsOf(envelope: JsonEnvelope): Item[] {
  const items = envelope.response.body?.items;
  if (!items) return [];
  return Array.isArray(items.item) ? items.item : [items.item];
}

describe('KRA sandbox over HTTP', () => {
  let sandbox: KraSandbox;
  let base: string;

  const url = (path: string, params: Record<string, string | number> = {}, key: string | null = RAW_KEY): string => {
    const query = new URLSearchParams(
      Object.entries(params).map(([name, value]): [string, string] => [name, String(value)]),
    );
    if (key !== null) query.set('serviceKey', key);
    return `${base}/${path}?${query.toString()}`;
  };
  const get = (path: string, params: Record<string, string | number> = {}, init?: RequestInit): Promise<Response> =>
    fetch(url(path, params), init);
  const getJson = async (path: string, params: Record<string, string | number> = {}): Promise<JsonEnvelope> =>
    (await (await get(path, { ...params, _type: 'json' })).json()) as JsonEnvelope;
  const admin = (path: string, method = 'GET', body?: unknown): Promise<Response> =>
    fetch(`${base.replace('/B551015', '')}/_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const RESULTS = 'API214_1/RaceDetailResult_1';
  const ENTRIES = 'API26_2/entrySheet_2';
  const PLAN = 'API72_2/racePlan_2';
  const DIVIDENDS = 'API160_1/integratedInfo_1';
  const TOTALS = 'API299/Race_Result_total';
  const TRACK = 'API189_1/Track_1';
  const SEOUL_DAY = { meet: 1, rc_date: '20250503' };

  beforeAll(async () => {
    sandbox = await createKraSandbox({ seed: 'e2e', fixturesDir: FIXTURES_DIR, timeoutHoldMs: 5_000 });
    base = await sandbox.listen();
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  beforeEach(() => {
    sandbox.setFaults('*', null);
    sandbox.setClock(AFTER_EVERYTHING);
    sandbox.reset();
  });

  describe('envelope', () => {
    it('should answer XML by default, every value as text, with the gateway declaration', async () => {
      const response = await get(RESULTS, { ...SEOUL_DAY, rc_no: 1, numOfRows: 100 });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/xml/);
      const text = await response.text();
      expect(
        text.startsWith(
          '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header>',
        ),
      ).toBe(true);
      const parsed = xml.parse(text) as { response: { body: { items: { item: Item[] }; totalCount: string } } };
      expect(parsed.response.body.items.item.length).toBe(Number(parsed.response.body.totalCount));
      expect(parsed.response.body.items.item[0]).toMatchObject({
        meet: '서울',
        rcNo: '1',
        hrNo: expect.stringMatching(/^\d{7}$/),
      });
    });

    it('should answer JSON with _type=json: numbers as numbers, ids with leading zeros as strings, owNo a number', async () => {
      const response = await get(RESULTS, { ...SEOUL_DAY, rc_no: 1, _type: 'json' });
      expect(response.headers.get('content-type')).toMatch(/json/);
      const envelope = (await response.json()) as JsonEnvelope;
      expect(envelope.response.header).toEqual({ resultCode: '00', resultMsg: 'NORMAL SERVICE.' });
      const [row] = itemsOf(envelope);
      expect(row).toMatchObject({
        rcNo: 1,
        rcDate: 20250503,
        meet: '서울',
        ord: 1,
        hrNo: expect.stringMatching(/^\d{7}$/),
        jkNo: expect.stringMatching(/^\d{6}$/),
        trNo: expect.stringMatching(/^\d{6}$/),
        owNo: expect.any(Number),
      });
      expect(Object.keys(row)).toHaveLength(90);
    });

    it('should send exactly one row as an object and several as an array', async () => {
      const one = await getJson('API8_2/raceHorseInfo_2', { hr_no: '0160001' });
      expect(Array.isArray((one.response.body?.items as { item: unknown }).item)).toBe(false);
      expect(one.response.body).toMatchObject({ totalCount: 1, items: { item: { hrNo: '0160001' } } });
      const many = await getJson(PLAN, SEOUL_DAY);
      expect(Array.isArray((many.response.body?.items as { item: unknown }).item)).toBe(true);
    });

    it('should answer "00" with "items": "" / <items/> and totalCount 0 for a race that does not exist', async () => {
      const json = await getJson(RESULTS, { ...SEOUL_DAY, rc_no: 15 });
      expect(json.response.header.resultCode).toBe('00');
      expect(json.response.body).toEqual({ items: '', numOfRows: 10, pageNo: 1, totalCount: 0 });
      const text = await (await get(RESULTS, { ...SEOUL_DAY, rc_no: 15 })).text();
      expect(text).toContain('<resultCode>00</resultCode>');
      expect(text).toContain(
        '<body><items/><numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>0</totalCount></body>',
      );
    });

    it('should name Busan "부경" in results and "부산경남" in summaries and master data', async () => {
      const params = { meet: 3, rc_date: '20250504', rc_no: 1 };
      expect(itemsOf(await getJson(RESULTS, params))[0].meet).toBe('부경');
      expect(itemsOf(await getJson(TOTALS, params))[0].meet).toBe('부산경남');
      expect(itemsOf(await getJson('API19_1/trainerInfo_1', { tr_no: '070180' }))[0].meet).toBe('부산경남');
    });

    it('should answer a wrong path with gateway error 12 as OpenAPI_ServiceResponse', async () => {
      const response = await get('API214_1/RaceDetailResult', { _type: 'json' });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(
        '<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>NO_OPENAPI_SERVICE_ERROR</returnAuthMsg><returnReasonCode>12</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>',
      );
    });

    it('should answer an invalid date with service error 10 inside the envelope', async () => {
      const envelope = await getJson(RESULTS, { meet: 1, rc_date: '2025-05-03' });
      expect(envelope.response.header).toEqual({ resultCode: '10', resultMsg: 'INVALID_REQUEST_PARAMETER_ERROR' });
    });
  });

  describe('paging', () => {
    it('should page silently with 10 rows by default and consistent numOfRows/pageNo/totalCount', async () => {
      const first = await getJson(ENTRIES, SEOUL_DAY);
      const total = first.response.body?.totalCount ?? 0;
      expect(total).toBeGreaterThan(60);
      expect(first.response.body).toMatchObject({ numOfRows: 10, pageNo: 1 });
      expect(itemsOf(first)).toHaveLength(10);

      const everything = itemsOf(await getJson(ENTRIES, { ...SEOUL_DAY, numOfRows: 1000 }));
      expect(everything).toHaveLength(total);
      const paged: Item[] = [];
      for (let pageNo = 1; (pageNo - 1) * 7 < total; pageNo++) {
        const page = await getJson(ENTRIES, { ...SEOUL_DAY, numOfRows: 7, pageNo });
        expect(page.response.body).toMatchObject({ numOfRows: 7, pageNo, totalCount: total });
        paged.push(...itemsOf(page));
      }
      expect(paged).toEqual(everything);
      const beyond = await getJson(ENTRIES, { ...SEOUL_DAY, numOfRows: 7, pageNo: 1000 });
      expect(beyond.response.body).toMatchObject({ items: '', totalCount: total });
    });

    it('should return a whole month in one page with a large numOfRows', async () => {
      const envelope = await getJson(RESULTS, { meet: 1, rc_month: '202505', numOfRows: 100_000 });
      const total = envelope.response.body?.totalCount ?? 0;
      expect(total).toBeGreaterThan(500);
      expect(itemsOf(envelope)).toHaveLength(total);
      expect(new Set(itemsOf(envelope).map((row) => row.rcDate))).toEqual(
        new Set([20250503, 20250504, 20250510, 20250511, 20250517, 20250518, 20250524, 20250525, 20250531]),
      );
    });
  });

  describe('captured fixtures', () => {
    const fixture = (name: string): Buffer => readFileSync(join(FIXTURES_DIR, name));
    const race = { meet: 3, rc_date: '20250523', rc_no: 1 };

    it('should serve the captured API214_1 race byte for byte as JSON and as XML', async () => {
      const json = Buffer.from(await (await get(RESULTS, { ...race, _type: 'json' })).arrayBuffer());
      expect(json.equals(fixture(FIXTURE_FILES.raceResultJson))).toBe(true);
      const xmlBody = Buffer.from(await (await get(RESULTS, race)).arrayBuffer());
      expect(xmlBody.equals(fixture(FIXTURE_FILES.raceResultXml))).toBe(true);
    });

    it('should serve the 11th runner on page 2, and all 11 runners with numOfRows 11', async () => {
      const page2 = await getJson(RESULTS, { ...race, pageNo: 2, numOfRows: 10 });
      expect(page2.response.body).toMatchObject({ pageNo: 2, numOfRows: 10, totalCount: 11 });
      const [eleventh] = itemsOf(page2);
      expect(Array.isArray((page2.response.body?.items as { item: unknown }).item)).toBe(false);
      const captured = itemsOf(JSON.parse(fixture(FIXTURE_FILES.raceResultJson).toString('utf8')) as JsonEnvelope);
      expect(Object.keys(eleventh)).toEqual(Object.keys(captured[0]));
      expect(captured.map((row) => row.chulNo)).not.toContain(eleventh.chulNo);
      expect(eleventh).toMatchObject({ rcNo: 1, rcDate: 20250523, rcDist: 1200, ord: 11, meet: '부경' });

      const all = itemsOf(await getJson(RESULTS, { ...race, numOfRows: 11 }));
      expect(all).toEqual([...captured, eleventh]);
    });

    it('should serve the captured horse, jockey and trainer byte for byte', async () => {
      const body = async (path: string, params: Record<string, string>): Promise<Buffer> =>
        Buffer.from(await (await get(path, params)).arrayBuffer());
      expect(
        (await body('API8_2/raceHorseInfo_2', { hr_no: '0051228', _type: 'json' })).equals(
          fixture(FIXTURE_FILES.horseJson),
        ),
      ).toBe(true);
      expect(
        (await body('API12_1/jockeyInfo_1', { jk_no: '080405', _type: 'json' })).equals(
          fixture(FIXTURE_FILES.jockeyJson),
        ),
      ).toBe(true);
      expect(
        (await body('API19_1/trainerInfo_1', { tr_no: '070180', _type: 'json' })).equals(
          fixture(FIXTURE_FILES.trainerJson),
        ),
      ).toBe(true);
      expect((await body('API19_1/trainerInfo_1', { tr_no: '070180' })).equals(fixture(FIXTURE_FILES.trainerXml))).toBe(
        true,
      );
    });

    it("should list the captured runners on that day's entry sheet", async () => {
      const entries = itemsOf(await getJson(ENTRIES, { meet: 3, rc_date: '20250523', numOfRows: 1000 })).filter(
        (row) => row.rcNo === 1,
      );
      expect(entries).toHaveLength(11);
      expect(entries.find((row) => row.chulNo === 10)).toMatchObject({
        hrNo: '0051228',
        jkNo: '080565',
        trNo: '070180',
        owNo: 118011,
      });
    });
  });

  describe('sandbox clock', () => {
    it('should serve the card without any result before the start + 3 minutes, and the results after', async () => {
      const [plan] = itemsOf(await getJson(PLAN, { ...SEOUL_DAY, rc_no: 1 }));
      const start = String(plan.schStTime); // "1050"
      const kst = (minutesAfterStart: number): string =>
        new Date(
          Date.parse(`2025-05-03T${start.slice(0, 2)}:${start.slice(2)}:00+09:00`) + minutesAfterStart * 60_000,
        ).toISOString();
      const params = { ...SEOUL_DAY, rc_no: 1, numOfRows: 100 };

      sandbox.setClock(kst(2.9));
      const card = itemsOf(await getJson(RESULTS, params));
      expect(card.length).toBeGreaterThan(6);
      for (const row of card) {
        expect(row).toMatchObject({
          ord: 0,
          rcTime: 0,
          winOdds: 0,
          plcOdds: 0,
          diffUnit: '-',
          ordBigo: '-',
          buG1fOrd: 0,
          seG1fAccTime: 0,
          sj_1cOrd: 0,
        });
        expect(row.hrName).not.toBe('-');
      }
      expect(itemsOf(await getJson(DIVIDENDS, params))).toEqual([]);
      expect(itemsOf(await getJson(TRACK, { meet: 1, rc_date_fr: '20250503', rc_date_to: '20250503' }))).toEqual([]);
      expect(itemsOf(await getJson(TOTALS, params))[0]).toMatchObject({ stTime: '-', finalBit: 0, noraceFlag: 0 });

      sandbox.setClock(kst(3));
      const results = itemsOf(await getJson(RESULTS, params));
      expect(results.map((row) => row.ord)).toContain(1);
      expect(results.every((row) => row.ord === 95 || Number(row.rcTime) > 0 || row.ord === 92)).toBe(true);
      expect(new Set(results.map((row) => row.chulNo))).toEqual(new Set(card.map((row) => row.chulNo)));
      expect(itemsOf(await getJson(DIVIDENDS, params)).map((row) => row.pool)).toContain('WIN');
      expect(
        itemsOf(await getJson(TRACK, { meet: 1, rc_date_fr: '20250503', rc_date_to: '20250503' })).map(
          (row) => row.rcNo,
        ),
      ).toEqual([1]);
      expect(itemsOf(await getJson(TOTALS, params))[0]).toMatchObject({
        finalBit: 1,
        stTime: expect.stringMatching(/^2025-05-03T\d\d:\d\d:00\+09:00$/),
      });
    });

    it('should publish the entry sheet on the Wednesday before the race day at 14:30 KST', async () => {
      sandbox.setClock('2025-04-30T14:29:59+09:00');
      expect((await getJson(ENTRIES, SEOUL_DAY)).response.body).toMatchObject({ items: '', totalCount: 0 });
      expect((await getJson(RESULTS, SEOUL_DAY)).response.body?.totalCount).toBe(0);
      sandbox.setClock('2025-04-30T14:30:00+09:00');
      expect((await getJson(ENTRIES, SEOUL_DAY)).response.body?.totalCount).toBeGreaterThan(60);
    });

    it('should ignore rc_no on the entry sheet and return the whole day', async () => {
      const whole = (await getJson(ENTRIES, { ...SEOUL_DAY, numOfRows: 1000 })).response.body?.totalCount;
      const filtered = await getJson(ENTRIES, { ...SEOUL_DAY, rc_no: 3, numOfRows: 1000 });
      expect(filtered.response.body?.totalCount).toBe(whole);
      expect(new Set(itemsOf(filtered).map((row) => row.rcNo)).size).toBeGreaterThan(1);
    });

    it('should move the clock through the admin route', async () => {
      const response = await admin('clock', 'PUT', { now: '2025-05-03T00:00:00Z' });
      expect(await response.json()).toEqual({ now: '2025-05-03T00:00:00.000Z', frozen: true });
      expect((await getJson(DIVIDENDS, SEOUL_DAY)).response.body?.totalCount).toBe(0);
      expect((await admin('clock', 'PUT', { now: 'yesterday' })).status).toBe(400);
    });
  });

  describe('faults', () => {
    it('should answer HTTP 500 and 503 for faults queued through the admin route, then serve normally', async () => {
      expect((await admin('faults', 'PUT', { service: 'API214_1', failNext: ['http500', 'http503'] })).status).toBe(
        200,
      );
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(500);
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(503);
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(200);
    });

    it('should never answer a timeout fault, so the client gives up', async () => {
      sandbox.failNext('API214_1', ['timeout']);
      const started = Date.now();
      await expect(get(RESULTS, SEOUL_DAY, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(200);
    });

    it('should reset the connection for a reset fault', async () => {
      sandbox.failNext('API214_1', ['reset']);
      await expect(get(RESULTS, SEOUL_DAY)).rejects.toThrow(/fetch failed/);
    });

    it('should answer service errors 01, 03 and 99 inside the envelope', async () => {
      sandbox.failNext('API214_1', ['code01', 'code99', 'code03']);
      expect((await getJson(RESULTS, SEOUL_DAY)).response.header).toEqual({
        resultCode: '01',
        resultMsg: 'APPLICATION_ERROR',
      });
      expect((await getJson(RESULTS, SEOUL_DAY)).response.header).toEqual({
        resultCode: '99',
        resultMsg: 'UNKNOWN_ERROR',
      });
      const xmlText = await (await get(RESULTS, SEOUL_DAY)).text();
      expect(xmlText).toContain('<header><resultCode>03</resultCode><resultMsg>NODATA_ERROR</resultMsg></header>');
    });

    it('should answer a plain-text routing error and an HTML error page', async () => {
      sandbox.failNext('API214_1', ['plainText', 'html']);
      const plain = await get(RESULTS, { ...SEOUL_DAY, _type: 'json' });
      expect(plain.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await plain.text()).toBe('SERVICE ERROR - HTTP ROUTING ERROR');
      const html = await get(RESULTS, { ...SEOUL_DAY, _type: 'json' });
      expect(html.headers.get('content-type')).toMatch(/text\/html/);
      expect(await html.text()).toMatch(/^<!DOCTYPE html>/);
    });

    it('should fail at the configured rate and only for the configured service', async () => {
      sandbox.setFaults('API214_1', { rates: { http503: 1 } });
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(503);
      expect((await get(PLAN, SEOUL_DAY)).status).toBe(200);
      sandbox.setFaults('API214_1', { rates: { http503: 0 } });
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(200);
    });

    it('should add the configured latency', async () => {
      sandbox.setFaults('API72_2', { latencyMs: 250 });
      const started = Date.now();
      expect((await get(PLAN, SEOUL_DAY)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    });

    it('should force a gateway error with HTTP 401, 403 or 429, as XML or JSON, set through the admin route', async () => {
      for (const [code, status, name] of [
        ['30', 401, 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR'],
        ['20', 403, 'SERVICE_ACCESS_DENIED_ERROR'],
        ['22', 429, 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR'],
      ] as const) {
        expect(
          (await admin('faults', 'PUT', { service: 'API26_2', faults: { gatewayError: { code, status } } })).status,
        ).toBe(200);
        const response = await get(ENTRIES, { ...SEOUL_DAY, _type: 'json' });
        expect(response.status).toBe(status);
        expect(await response.text()).toBe(
          `<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>${name}</returnAuthMsg><returnReasonCode>${code}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>`,
        );
      }
      await admin('faults', 'PUT', {
        service: 'API26_2',
        faults: { gatewayError: { code: '21', status: 200, format: 'json' } },
      });
      const json = (await (await get(ENTRIES, { ...SEOUL_DAY, _type: 'json' })).json()) as GatewayError;
      expect(json.OpenAPI_ServiceResponse.cmmMsgHeader).toEqual({
        errMsg: 'SERVICE ERROR',
        returnAuthMsg: 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR',
        returnReasonCode: '21',
      });
      await admin('faults', 'PUT', { service: 'API26_2', faults: { gatewayError: null } });
      expect((await getJson(ENTRIES, SEOUL_DAY)).response.header.resultCode).toBe('00');
    });

    it('should reject an unknown fault kind on the admin route', async () => {
      const response = await admin('faults', 'PUT', { service: 'API26_2', failNext: ['http418'] });
      expect(response.status).toBe(400);
    });

    it('should answer code 22 once the daily quota is used up, until reset or midnight KST', async () => {
      sandbox.setClock('2025-05-03T14:00:00Z'); // 23:00 KST
      sandbox.setFaults('API72_2', { dailyQuota: 3 });
      for (let call = 0; call < 3; call++)
        expect((await getJson(PLAN, SEOUL_DAY)).response.header.resultCode).toBe('00');
      const over = await get(PLAN, { ...SEOUL_DAY, _type: 'json' });
      expect(over.status).toBe(200);
      expect(await over.text()).toContain('<returnReasonCode>22</returnReasonCode>');
      expect((await get(ENTRIES, SEOUL_DAY)).status).toBe(200); // other services keep their own quota
      sandbox.setClock('2025-05-03T15:00:00Z'); // midnight KST: a new day
      expect((await getJson(PLAN, SEOUL_DAY)).response.header.resultCode).toBe('00');
      expect(sandbox.stats().quota.API72_2).toEqual({ day: '20250504', used: 1, limit: 3 });
    });

    it('should reject a missing key and a key still percent-encoded after decoding (encoded twice) with code 30', async () => {
      const missing = await fetch(url(PLAN, SEOUL_DAY, null));
      expect(await missing.text()).toContain('<returnReasonCode>30</returnReasonCode>');
      const doubleEncoded = await fetch(url(PLAN, SEOUL_DAY, encodeURIComponent(RAW_KEY)));
      expect(await doubleEncoded.text()).toContain(
        '<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>',
      );
    });
  });

  describe('strict service key check', () => {
    let strict: KraSandbox;

    beforeAll(async () => {
      strict = await createKraSandbox({
        seed: 'e2e',
        serviceKeys: [RAW_KEY],
        fixturesDir: null,
        faults: { API9_1: { gatewayError: { code: '20', status: 403 } } },
      });
      await strict.listen();
    });

    afterAll(async () => {
      await strict?.close();
    });

    const call = (serviceKey: string | null): Promise<string> => {
      const query = new URLSearchParams({ meet: '1', rc_date: '20250503' });
      if (serviceKey !== null) query.set('serviceKey', serviceKey);
      return fetch(`${strict.url}/${PLAN}?${query.toString()}`).then((response) => response.text());
    };

    it('should accept the raw key encoded once', async () => {
      expect(await call(RAW_KEY)).toContain('<resultCode>00</resultCode>');
    });

    it('should apply the faults given at start-up, after the key check', async () => {
      const url = (key: string): string =>
        `${strict.url}/API9_1/raceHorseCancelInfo_1?${new URLSearchParams({ serviceKey: key, rc_date: '20250503' }).toString()}`;
      const denied = await fetch(url(RAW_KEY));
      expect(denied.status).toBe(403);
      expect(await denied.text()).toContain('<returnReasonCode>20</returnReasonCode>');
      expect(await (await fetch(url('wrong'))).text()).toContain('<returnReasonCode>30</returnReasonCode>');
    });

    it('should answer 30 for a double-encoded, an unknown or a missing key, never echoing the key', async () => {
      for (const key of [encodeURIComponent(RAW_KEY), 'someone-elses-key', null]) {
        const body = await call(key);
        expect(body).toContain('<returnReasonCode>30</returnReasonCode>');
        expect(body).not.toContain('Sandbox');
      }
      expect(JSON.stringify(strict.stats())).not.toContain('Sandbox');
      expect(strict.stats().byService.API72_2).toBe(4);
    });
  });

  describe('stats', () => {
    it('should count exactly the calls made, faulted ones included, per service and per parameters, without the key', async () => {
      sandbox.failNext('API214_1', ['http500']);
      await get(RESULTS, { ...SEOUL_DAY, rc_no: 1 });
      await get(RESULTS, { ...SEOUL_DAY, rc_no: 1 });
      await get(RESULTS, { ...SEOUL_DAY, rc_no: 2 });
      await get(PLAN, SEOUL_DAY);
      await get('API999/nothing', {});

      const response = await admin('stats');
      const text = await response.text();
      expect(text).not.toContain('Sandbox');
      expect(text).not.toContain('serviceKey');
      const stats = JSON.parse(text) as {
        total: number;
        byService: Record<string, number>;
        byRequest: Record<string, number>;
        recent: { service: string; outcome: string; status: number }[];
      };
      expect(stats.total).toBe(5);
      expect(stats.byService).toEqual({ API214_1: 3, API72_2: 1, unknown: 1 });
      expect(stats.byRequest['API214_1?meet=1&rc_date=20250503&rc_no=1']).toBe(2);
      expect(stats.byRequest['API214_1?meet=1&rc_date=20250503&rc_no=2']).toBe(1);
      expect(stats.recent.map((call) => [call.service, call.outcome, call.status])).toEqual([
        ['API214_1', 'fault:http500', 500],
        ['API214_1', 'ok', 200],
        ['API214_1', 'ok', 200],
        ['API72_2', 'ok', 200],
        ['unknown', 'gateway:12', 200],
      ]);
    });

    it('should clear stats, fault queues and quota counters on reset', async () => {
      sandbox.failNext('API214_1', ['http500']);
      sandbox.setFaults('API72_2', { dailyQuota: 1 });
      await get(PLAN, SEOUL_DAY);
      expect((await get(PLAN, SEOUL_DAY)).headers.get('content-type')).toMatch(/xml/);
      expect((await admin('reset', 'POST')).status).toBe(200);
      const stats = (await (await admin('stats')).json()) as { total: number; recent: unknown[] };
      expect(stats).toMatchObject({ total: 0, recent: [] });
      expect((await get(RESULTS, SEOUL_DAY)).status).toBe(200);
      expect(await (await get(PLAN, SEOUL_DAY)).text()).toContain('<resultCode>00</resultCode>');
    });

    it('should report health', async () => {
      expect(await (await admin('health')).json()).toMatchObject({
        status: 'ok',
        seed: 'e2e',
        now: '2026-01-01T00:00:00.000Z',
      });
    });
  });
});
