import { createLogger, NestPinoLogger } from '@app/common';
import {
  KraAuthError,
  KraBadRequestError,
  KraError,
  KraQuotaExceededError,
  KraTransientError,
  KraUpstreamError,
} from '@app/kra-client';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REDIS_URL } from './support/infra';
import { kraClient, TestKraClient } from './support/kra';
import { NodeProcess } from './support/processes';

/** A raw service key with the characters that break double encoding. */
const SERVICE_KEY = 'Ab+c/De==Fg12+Hi/Jk34Lm56==';
const SECRET_FORMS = [
  SERVICE_KEY,
  encodeURIComponent(SERVICE_KEY),
  encodeURIComponent(encodeURIComponent(SERVICE_KEY)),
];
const FIXTURE_RACE = { meet: 3, date: '2025-05-23', raceNo: 1 };

describe('KraClient against the sandbox', () => {
  let sandbox: KraSandbox;
  let kra: TestKraClient;
  const logs: string[] = [];
  const errors: unknown[] = [];

  const calls = (service: string): number => sandbox.stats().byService[service] ?? 0;
  const capture = async <T>(promise: Promise<T>): Promise<KraError> => {
    try {
      await promise;
    } catch (error) {
      errors.push(error);
      return error as KraError;
    }
    throw new Error('expected the call to fail');
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    Logger.overrideLogger(new NestPinoLogger(createLogger('debug', sink)));
    sandbox = await createKraSandbox({ serviceKeys: [SERVICE_KEY], timeoutHoldMs: 3_000 });
    await sandbox.listen();
  });

  beforeEach(async () => {
    sandbox.reset();
    sandbox.setFaults('*', null);
    kra = await kraClient(sandbox.url, SERVICE_KEY);
  });

  afterEach(async () => {
    await kra.close();
  });

  afterAll(async () => {
    await sandbox?.close();
    Logger.overrideLogger(['error', 'warn']);
  });

  describe('paging', () => {
    it('should return all 11 runners of a race served 10 per page', async () => {
      const paged = await kraClient(sandbox.url, SERVICE_KEY, { pageSize: 10 });
      try {
        const result = await paged.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo);
        expect(result.records).toHaveLength(11);
        expect(result.records.map((record) => record.gateNo).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
          1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
        ]);
        expect(result.upstreamCalls).toBe(2);
        expect(calls('API214_1')).toBe(2);
      } finally {
        await paged.close();
      }
    });

    it('should retry a page that comes back empty before every row arrived, and return every row', async () => {
      const paged = await kraClient(sandbox.url, SERVICE_KEY, { pageSize: 10 });
      try {
        // Page 1 as usual, then page 2 empty (totalCount still 11), then page 2 again.
        sandbox.failNext('API214_1', ['pass', 'emptyPage']);
        const result = await paged.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo);
        expect(result.records).toHaveLength(11);
        expect(result.upstreamCalls).toBe(3);
        expect(sandbox.stats().recent.map((call) => call.outcome)).toEqual(['ok:fixture', 'fault:emptyPage', 'ok']);
      } finally {
        await paged.close();
      }
    });

    it('should fail as transient, never with a partial list, when a later page stays empty', async () => {
      const paged = await kraClient(sandbox.url, SERVICE_KEY, { pageSize: 10 });
      try {
        sandbox.failNext('API214_1', ['pass', 'emptyPage', 'emptyPage', 'emptyPage']);
        const error = await capture(
          paged.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo),
        );
        expect(error).toBeInstanceOf(KraTransientError);
        expect(error.message).toContain('incomplete paging: page 2 was empty with 10 of 11 rows received');
        expect(calls('API214_1')).toBe(4); // page 1, then page 2 with KRA_MAX_RETRIES (2) retries
      } finally {
        await paged.close();
      }
    });

    it('should get everything in one call with a large page', async () => {
      const result = await kra.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo);
      expect(result.records).toHaveLength(11);
      expect(result.raw).toHaveLength(11);
      expect(calls('API214_1')).toBe(1);
    });

    it('should filter the entry sheet to the race asked for, since the gateway ignores rc_no', async () => {
      const whole = await kra.client.entrySheet(FIXTURE_RACE.meet, FIXTURE_RACE.date);
      const race1 = await kra.client.entrySheet(FIXTURE_RACE.meet, FIXTURE_RACE.date, 1);
      expect(new Set(whole.records.map((record) => record.raceNo)).size).toBeGreaterThan(1);
      expect(race1.records).toHaveLength(11);
      expect(race1.records.every((record) => record.raceNo === 1)).toBe(true);
    });
  });

  describe('error classes', () => {
    const transientCodes = ['01', '02', '04', '05', '99'];
    const permanent: [string, typeof KraError][] = [
      ['10', KraBadRequestError],
      ['11', KraBadRequestError],
      ['12', KraUpstreamError],
      ['20', KraAuthError],
      ['21', KraAuthError],
      ['30', KraAuthError],
      ['31', KraAuthError],
      ['32', KraAuthError],
      ['33', KraAuthError],
    ];

    it.each(transientCodes)('should retry gateway code %s exactly the configured number of times', async (code) => {
      sandbox.setFaults('API12_1', { gatewayError: { code, status: 200, format: 'xml' } } as never);
      const error = await capture(kra.client.jockey('080405'));
      expect(error).toBeInstanceOf(KraTransientError);
      expect(calls('API12_1')).toBe(3); // 1 + KRA_MAX_RETRIES (2)
    });

    it.each(permanent)('should raise gateway code %s at once, without retrying', async (code, type) => {
      sandbox.setFaults('API12_1', { gatewayError: { code, status: 200, format: 'json' } } as never);
      const error = await capture(kra.client.jockey('080405'));
      expect(error).toBeInstanceOf(type);
      expect(error.code).toBe(code);
      expect(calls('API12_1')).toBe(1);
    });

    it.each([
      [401, '30', KraAuthError],
      [403, '20', KraAuthError],
      [429, '22', KraQuotaExceededError],
    ] as const)('should classify a gateway error sent with HTTP %i', async (status, code, type) => {
      sandbox.setFaults('API12_1', { gatewayError: { code, status, format: 'xml' } } as never);
      const error = await capture(kra.client.jockey('080405'));
      expect(error).toBeInstanceOf(type);
      expect(error.httpStatus).toBe(status);
      expect(calls('API12_1')).toBe(1);
    });

    it.each(['http500', 'http503', 'plainText', 'html', 'reset', 'code01', 'code99'] as const)(
      'should treat %s as transient: retried, then raised after the last attempt',
      async (kind) => {
        sandbox.failNext('API12_1', [kind, kind, kind, kind]);
        const error = await capture(kra.client.jockey('080405'));
        expect(error).toBeInstanceOf(KraTransientError);
        expect(calls('API12_1')).toBe(3);
      },
    );

    it('should recover when a transient failure clears before the retries run out', async () => {
      sandbox.failNext('API12_1', ['http500', 'reset']);
      const result = await kra.client.jockey('080405');
      expect(result.records[0].id).toBe('080405');
      expect(result.upstreamCalls).toBe(3);
    });

    it('should give up on a call that does not answer within the timeout, and retry it', async () => {
      const impatient = await kraClient(sandbox.url, SERVICE_KEY, { timeoutMs: 300 });
      try {
        sandbox.failNext('API12_1', ['timeout', 'timeout', 'timeout']);
        const error = await capture(impatient.client.jockey('080405'));
        expect(error).toBeInstanceOf(KraTransientError);
        expect(error.message).toContain('no answer within 300 ms');
        expect(calls('API12_1')).toBe(3);
      } finally {
        await impatient.close();
      }
    });

    it('should treat code 03 as an empty result', async () => {
      sandbox.failNext('API12_1', ['code03']);
      const result = await kra.client.jockey('080405');
      expect(result.records).toEqual([]);
    });
  });

  describe('quota', () => {
    it('should stop calling a service after code 22, in this process and in another sharing Redis', async () => {
      const { records: runners } = await kra.client.raceResults(
        FIXTURE_RACE.meet,
        FIXTURE_RACE.date,
        FIXTURE_RACE.raceNo,
      );
      const horses = runners.map((runner) => runner.horse.id ?? '');
      sandbox.setFaults('API8_2', { dailyQuota: 2 });
      await kra.client.horse(horses[0]);
      await kra.client.horse(horses[1]);
      const exceeded = await capture(kra.client.horse(horses[2]));
      expect(exceeded).toBeInstanceOf(KraQuotaExceededError);
      expect(calls('API8_2')).toBe(3);

      const blocked = await capture(kra.client.horse(horses[3]));
      expect(blocked).toBeInstanceOf(KraQuotaExceededError);
      expect(blocked.message).toMatch(
        /^API8_2: daily quota exhausted; calls resume at \d{4}-\d{2}-\d{2}T15:00:00\.000Z$/,
      );
      expect((blocked as KraQuotaExceededError).resetAt.getUTCHours()).toBe(15); // midnight KST
      expect(calls('API8_2')).toBe(3); // failed fast: no upstream request

      expect((await kra.client.jockey('080405')).records).toHaveLength(1); // other services still work

      // A second process on the same Redis (and key prefix) sees the exhausted state.
      const script = `
        const { KraClient } = require('./dist/libs/kra-client/src/index.js');
        const { createRedisClient } = require('./dist/libs/redis/src/index.js');
        const redis = createRedisClient({ url: process.env.REDIS_URL, keyPrefix: process.env.PREFIX }, 'second');
        const client = new KraClient(JSON.parse(process.env.SETTINGS), redis);
        client.horse(process.env.HORSE).then(
          () => { console.log('ok'); process.exit(0); },
          (error) => { console.log(error.name + ': ' + error.message); process.exit(0); },
        );`;
      const second = new NodeProcess(
        '-e',
        {
          REDIS_URL,
          PREFIX: kra.prefix,
          HORSE: horses[4],
          SETTINGS: JSON.stringify({ ...kra.client['settings'] }),
        },
        [script],
      );
      expect(await second.exited).toBe(0);
      expect(second.stdout).toMatch(/^KraQuotaExceededError: API8_2: daily quota exhausted/m);
      expect(second.stdout).not.toContain('Redis unavailable');
      expect(calls('API8_2')).toBe(3);
    });

    it('should start no call of a service after its first quota answer, not even the calls already waiting in the pacer', async () => {
      const LATENCY_MS = 30;
      const paced = await kraClient(sandbox.url, SERVICE_KEY, {
        concurrency: 2,
        requestsPerSecond: 10,
        masterCacheTtlSeconds: 0,
      });
      try {
        sandbox.setFaults('API8_2', { dailyQuota: 3, latencyMs: LATENCY_MS });
        const horses = Array.from({ length: 40 }, (_, index) => String(40_000 + index).padStart(7, '0'));
        const outcomes = await Promise.allSettled(horses.map((horse) => paced.client.horse(horse)));
        const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(rejected.every((outcome) => outcome.reason instanceof KraQuotaExceededError)).toBe(true);
        expect(rejected.length).toBeGreaterThanOrEqual(37);

        const served = sandbox.stats().recent.filter((call) => call.service === 'API8_2');
        const quotaAnswers = served.filter((call) => call.outcome === 'gateway:22');
        // Only calls already in flight when the first quota answer came back (at most KRA_CONCURRENCY - 1 more).
        expect(quotaAnswers.length).toBeGreaterThanOrEqual(1);
        expect(quotaAnswers.length).toBeLessThanOrEqual(2);
        expect(served).toHaveLength(3 + quotaAnswers.length);
        const firstAnswered = Date.parse(quotaAnswers[0].at) + LATENCY_MS;
        expect(served.filter((call) => Date.parse(call.at) > firstAnswered)).toEqual([]);
      } finally {
        sandbox.setFaults('API8_2', null);
        await paced.close();
      }
    });

    it('should count calls per service per KST day', async () => {
      await kra.client.jockey('080405');
      sandbox.failNext('API12_1', ['http500']);
      await kra.client.jockey('080406').catch(() => undefined);
      expect(await kra.client.callsToday('API12_1')).toBe(calls('API12_1'));
      const metrics = await kra.registry.metrics();
      expect(metrics).toMatch(new RegExp(`kra_quota_remaining\\{service="API12_1"\\} ${10_000 - calls('API12_1')}`));
      expect(metrics).toMatch(/kra_requests_total\{service="API12_1",outcome="transient"\} 1/);
    });
  });

  describe('sharing and caching', () => {
    it('should make one upstream request for twenty identical concurrent calls', async () => {
      sandbox.setFaults('API214_1', { latencyMs: 150 });
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          kra.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo),
        ),
      );
      expect(results.every((result) => result.records.length === 11)).toBe(true);
      expect(calls('API214_1')).toBe(1);
    });

    it('should cache master data, but never results', async () => {
      const first = await kra.client.horse('0051228');
      const second = await kra.client.horse('0051228');
      expect(second.fromCache).toBe(true);
      expect(second.records).toEqual(first.records);
      expect(calls('API8_2')).toBe(1);
      await kra.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo);
      await kra.client.raceResults(FIXTURE_RACE.meet, FIXTURE_RACE.date, FIXTURE_RACE.raceNo);
      expect(calls('API214_1')).toBe(2);
    });

    it('should cache neither errors nor empty answers', async () => {
      sandbox.failNext('API12_1', ['code99', 'code99', 'code99']);
      await capture(kra.client.jockey('080405'));
      expect((await kra.client.jockey('080405')).records).toHaveLength(1);
      expect(calls('API12_1')).toBe(4);
      expect((await kra.client.horse('9999999')).records).toEqual([]);
      expect((await kra.client.horse('9999999')).records).toEqual([]);
      expect(calls('API8_2')).toBe(2);
    });
  });

  describe('the service key', () => {
    it('should accept the key in its percent-encoded form and encode it exactly once', async () => {
      const encoded = await kraClient(sandbox.url, encodeURIComponent(SERVICE_KEY));
      try {
        expect((await encoded.client.jockey('080405')).records).toHaveLength(1);
      } finally {
        await encoded.close();
      }
    });

    it('should keep every form of the key out of logs, errors and metrics', async () => {
      sandbox.failNext('API12_1', ['http500', 'timeout', 'reset']);
      const impatient = await kraClient(sandbox.url, SERVICE_KEY, { timeoutMs: 200 });
      await capture(impatient.client.jockey('080405'));
      const nowhere = await kraClient(`http://127.0.0.1:1/B551015`, SERVICE_KEY);
      await capture(nowhere.client.trainer('070180'));
      await nowhere.close();
      const metrics = (await kra.registry.metrics()) + (await impatient.registry.metrics());
      await impatient.close();

      const texts = [
        ...logs,
        metrics,
        ...errors.flatMap((error) => [String(error), JSON.stringify(error), (error as Error).stack ?? '']),
      ];
      expect(errors.length).toBeGreaterThan(10);
      expect(logs.join('').length).toBeGreaterThan(0);
      for (const text of texts) for (const secret of SECRET_FORMS) expect(text).not.toContain(secret);
    });
  });
});
