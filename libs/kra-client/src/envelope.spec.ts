import { describe, expect, it } from 'vitest';
import { readKraAnswer } from './envelope';
import { readFixture } from '@app/kra-sandbox';
import {
  KraAuthError,
  KraBadRequestError,
  KraQuotaExceededError,
  KraTransientError,
  KraUpstreamError,
} from './kra-errors';
import { toHorse, toJockey, toRaceResult, toTrainer } from './kra-records';

const ok = (body: string): { status: number; body: string } => ({ status: 200, body });

describe('readKraAnswer on the captured fixtures', () => {
  it('should read the API214_1 JSON capture: 10 rows of totalCount 11, ids as strings with leading zeros', () => {
    const page = readKraAnswer('API214_1', ok(readFixture('API214_1-meet3-20250523-race1.json')));
    expect(page).toMatchObject({ totalCount: 11, numOfRows: 10, pageNo: 1 });
    expect(page.items).toHaveLength(10);
    expect(page.items[0]).toMatchObject({ hrNo: '0051228', jkNo: '080565', trNo: '070180', owNo: 118011 });
  });

  it('should normalise the JSON and XML captures of API214_1 to identical records', () => {
    const fromJson = readKraAnswer('API214_1', ok(readFixture('API214_1-meet3-20250523-race1.json'))).items.map(
      toRaceResult,
    );
    const fromXml = readKraAnswer('API214_1', ok(readFixture('API214_1-meet3-20250523-race1.xml'))).items.map(
      toRaceResult,
    );
    expect(fromXml).toHaveLength(10);
    expect(fromXml).toEqual(fromJson);
  });

  it('should normalise the JSON and XML captures of API19_1 to identical records', () => {
    const fromJson = readKraAnswer('API19_1', ok(readFixture('API19_1-tr070180.json'))).items.map(toTrainer);
    const fromXml = readKraAnswer('API19_1', ok(readFixture('API19_1-tr070180.xml'))).items.map(toTrainer);
    expect(fromJson).toEqual(fromXml);
    expect(fromJson).toEqual([
      {
        id: '070180',
        name: '안우성',
        meet: 3,
        age: null,
        birthDate: null,
        licensedSince: '2014-06-01',
        stable: '15',
        career: { starts: 2684, wins: 323, seconds: 333, thirds: 308 },
        thisYear: { starts: 256, wins: 16, seconds: 30, thirds: 38 },
        winRatePercent: 12,
        placeRatePercent: 35,
        winRatePercentThisYear: 6,
        placeRatePercentThisYear: 32,
        quinellaRatePercent: 24,
        quinellaRatePercentThisYear: 18,
      },
    ]);
  });

  it('should read a single item sent as an object (API8_2 horse)', () => {
    const [horse] = readKraAnswer('API8_2', ok(readFixture('API8_2-hr0051228.json'))).items.map(toHorse);
    expect(horse).toMatchObject({
      id: '0051228',
      name: '올라운드원',
      meet: 3,
      sex: '거',
      birthDate: '2022-03-03',
      sire: { id: '0031261', name: '사이먼퓨어' },
      dam: { id: '0031853', name: '모닝퀸' },
      owner: { id: '118011', name: '김혜진' },
      trainer: { id: '070180', name: '안우성' },
      career: { starts: 2, wins: 1, seconds: 0, thirds: 0 },
      totalPrize: 18750000,
      rating: 0,
    });
  });

  it('should read the API12_1 jockey capture, "-" becoming null', () => {
    const [jockey] = readKraAnswer('API12_1', ok(readFixture('API12_1-jk080405.json'))).items.map(toJockey);
    expect(jockey).toMatchObject({
      id: '080405',
      name: '김용근',
      meet: 1,
      debutDate: '2005-05-04',
      career: { starts: 6254, wins: 968 },
    });
  });

  it('should map the captured race row to a typed result', () => {
    const [first] = readKraAnswer('API214_1', ok(readFixture('API214_1-meet3-20250523-race1.json'))).items.map(
      toRaceResult,
    );
    expect(first).toMatchObject({
      meet: 3,
      raceDate: '2025-05-23',
      raceNo: 1,
      gateNo: 10,
      carriedWeightKg: 57,
      bodyWeightKg: 511,
      bodyWeightChange: 2,
      going: '건조',
      moisturePercent: 2,
      finishPosition: 1,
      finishStatus: 'finished',
      raceTimeSeconds: 75.4,
      margin: null,
      winOdds: 3,
      placeOdds: 1.2,
      prizes: [16500000, 6600000, 4200000, 1500000, 1200000],
    });
    expect(first.sectionals).toMatchObject({ buG1fAccTime: 62.4, buS1fOrd: 6 });
    expect(Object.keys(first.sectionals).some((field) => /^(se|sj|je)/.test(field))).toBe(false);
  });
});

describe('readKraAnswer on the envelope quirks', () => {
  const envelope = (items: string, totalCount: number): string =>
    `{"response":{"header":{"resultCode":"00","resultMsg":"NORMAL SERVICE."},"body":{"items":${items},"numOfRows":10,"pageNo":1,"totalCount":${totalCount}}}}`;

  it('should treat empty items as no rows, in JSON and XML', () => {
    expect(readKraAnswer('API214_1', ok(envelope('""', 0))).items).toEqual([]);
    const xml =
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg></header><body><items/><numOfRows>10</numOfRows><pageNo>1</pageNo><totalCount>0</totalCount></body></response>';
    expect(readKraAnswer('API214_1', ok(xml))).toMatchObject({ items: [], totalCount: 0 });
  });

  it('should treat result code 03 as an empty result', () => {
    const body = '{"response":{"header":{"resultCode":"03","resultMsg":"NODATA_ERROR"}}}';
    expect(readKraAnswer('API26_2', ok(body)).items).toEqual([]);
  });

  const gatewayXml = (code: string): string =>
    `<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>NAME</returnAuthMsg><returnReasonCode>${code}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>`;

  it.each([
    ['01', KraTransientError],
    ['02', KraTransientError],
    ['04', KraTransientError],
    ['05', KraTransientError],
    ['99', KraTransientError],
    ['10', KraBadRequestError],
    ['11', KraBadRequestError],
    ['12', KraUpstreamError],
    ['20', KraAuthError],
    ['21', KraAuthError],
    ['22', KraQuotaExceededError],
    ['30', KraAuthError],
    ['31', KraAuthError],
    ['32', KraAuthError],
    ['33', KraAuthError],
  ])('should classify gateway code %s', (code, type) => {
    expect(() => readKraAnswer('API8_2', ok(gatewayXml(code)))).toThrow(type);
    const json = `{"OpenAPI_ServiceResponse":{"cmmMsgHeader":{"errMsg":"SERVICE ERROR","returnAuthMsg":"NAME","returnReasonCode":"${code}"}}}`;
    expect(() => readKraAnswer('API8_2', { status: 401, body: json })).toThrow(type);
    const inEnvelope = `{"response":{"header":{"resultCode":"${code}","resultMsg":"ERROR"}}}`;
    expect(() => readKraAnswer('API8_2', ok(inEnvelope))).toThrow(type);
  });

  it('should set the quota reset to the next midnight KST', () => {
    const now = new Date('2026-11-29T16:30:00Z'); // 01:30 KST on the 30th
    try {
      readKraAnswer('API8_2', ok(gatewayXml('22')), () => now);
      expect.unreachable();
    } catch (error) {
      expect((error as KraQuotaExceededError).resetAt.toISOString()).toBe('2026-11-30T15:00:00.000Z');
    }
  });

  it.each([
    [500, 'Internal Server Error', KraTransientError],
    [503, '<html><body>Service Unavailable</body></html>', KraTransientError],
    [200, 'SERVICE ERROR - HTTP ROUTING ERROR', KraTransientError],
    [200, '<!DOCTYPE html><html><body>error</body></html>', KraTransientError],
    [429, 'Too Many Requests', KraQuotaExceededError],
    [401, 'Unauthorized', KraAuthError],
    [403, '<html>Forbidden</html>', KraAuthError],
    [400, 'Bad Request', KraBadRequestError],
  ])('should classify HTTP %i with body %j', (status, body, type) => {
    expect(() => readKraAnswer('API8_2', { status, body })).toThrow(type);
  });
});
