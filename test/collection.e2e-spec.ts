import { DataSource } from 'typeorm';
import { CollectionService, RaceData } from '@app/collection';
import { KraClient } from '@app/kra-client';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, testEnv, TestRedisPrefix } from './support/infra';
import { forbiddenKeys } from './support/prerace';
import { kraClient, TestKraClient } from './support/kra';
import { CLI_MAIN, NodeProcess, runOnTerminal, sleep } from './support/processes';
import { findScratchDay } from './support/sandbox-days';

const FIXTURE_DAY = { date: '2025-05-23', meet: 3 };
const DATA_TABLES = [
  'races',
  'horses',
  'jockeys',
  'trainers',
  'owners',
  'entries',
  'entry_snapshots',
  'results',
  'dividends',
  'upstream_responses',
];

describe('Collection engine against the sandbox', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  let service: CollectionService;

  /** Every data table, rows sorted: two equal dumps mean nothing changed, timestamps included. */
  const dump = async (): Promise<Record<string, unknown[]>> => {
    const tables: Record<string, unknown[]> = {};
    for (const table of DATA_TABLES) tables[table] = await database.query(`SELECT * FROM ${table} ORDER BY 1`);
    return tables;
  };
  const collector = (client: KraClient, now?: () => Date): CollectionService =>
    new CollectionService(client, api.app.get(RaceData), undefined, now);

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    // Small pages, so a day's entry sheet and the 11-runner race both take several pages.
    api = await startApi(
      testConfig(database, redis, {
        KRA_BASE_URL: sandbox.url,
        KRA_PAGE_SIZE: '10',
        KRA_REQUESTS_PER_SECOND: '1000',
        KRA_RETRY_BASE_MS: '5',
        KRA_RETRY_MAX_MS: '20',
      }),
    );
    service = api.app.get(CollectionService);
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await database.drop();
    await redis.clear();
  });

  it('should store exactly the races and runners the sandbox has, over several pages', async () => {
    const report = await service.collectDay({ ...FIXTURE_DAY, results: true });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const day = sandbox.world.raceDay('20250523', 3);
    const races = await database.query<{ race_no: number; status: string }>(
      `SELECT race_no, status FROM races WHERE race_date = $1 AND meet = $2 ORDER BY race_no`,
      [FIXTURE_DAY.date, 3],
    );
    expect(races.map((race) => race.race_no)).toEqual(day.races.map((race) => Number(race.plan.rcNo)));
    const entries = await database.query<{ race_no: number; gate_no: number; hr_no: string }>(
      `SELECT r.race_no, e.gate_no, e.hr_no FROM entries e JOIN races r ON r.id = e.race_id ORDER BY r.race_no, e.gate_no`,
    );
    const expected = day.races.flatMap((race) =>
      race.rows.map((row) => ({ race_no: Number(row.rcNo), gate_no: Number(row.chulNo), hr_no: String(row.hrNo) })),
    );
    expect(entries).toEqual(expected.sort((a, b) => a.race_no - b.race_no || a.gate_no - b.gate_no));
    expect(entries.filter((entry) => entry.race_no === 1)).toHaveLength(11);
    expect(report.calls.API26_2).toBeGreaterThan(1); // paged
  });

  it('should keep the captured race exactly as the fixture has it', async () => {
    const [row] = await database.query<Record<string, unknown>>(
      `SELECT h.name AS horse, e.hr_no, e.jk_no, e.tr_no, e.carried_weight_kg, e.body_weight_kg, e.body_weight_change,
              r.going, r.moisture_percent, res.finish_position, res.race_time_s, res.win_odds
         FROM entries e JOIN races r ON r.id = e.race_id JOIN horses h ON h.hr_no = e.hr_no JOIN results res ON res.entry_id = e.id
        WHERE r.race_date = '2025-05-23' AND r.meet = 3 AND r.race_no = 1 AND e.gate_no = 10`,
    );
    expect(row).toEqual({
      horse: '올라운드원',
      hr_no: '0051228',
      jk_no: '080565',
      tr_no: '070180',
      carried_weight_kg: '57.0',
      body_weight_kg: '511.0',
      body_weight_change: '2.0',
      going: '건조',
      moisture_percent: '2.0',
      finish_position: 1,
      race_time_s: '75.4',
      win_odds: '3.0',
    });
  });

  it('should fill results and dividends, finish the races and mark scratches without a position', async () => {
    const counts = await database.query<{
      finished: string;
      results: string;
      dividends: string;
      scratched_positions: string;
    }>(
      `SELECT (SELECT count(*) FROM races WHERE status = 'finished') AS finished,
              (SELECT count(*) FROM results) AS results,
              (SELECT count(*) FROM dividends) AS dividends,
              (SELECT count(*) FROM entries e JOIN results r ON r.entry_id = e.id WHERE e.scratched AND r.finish_position IS NOT NULL) AS scratched_positions`,
    );
    expect(Number(counts[0].finished)).toBe(sandbox.world.raceDay('20250523', 3).races.length);
    expect(Number(counts[0].results)).toBeGreaterThan(0);
    expect(Number(counts[0].dividends)).toBeGreaterThan(0);
    expect(Number(counts[0].scratched_positions)).toBe(0);
    const [win] = await database.query<{ combination: string; payout: string }>(
      `SELECT d.combination, d.payout FROM dividends d JOIN races r ON r.id = d.race_id WHERE r.race_no = 1 AND d.pool = 'WIN' AND r.race_date = '2025-05-23'`,
    );
    expect(win).toEqual({ combination: '10', payout: '3.0' });
  });

  it('should mark a race cancelled when API299 flags it not run (noraceFlag 1), with no result', async () => {
    // A Seoul day collected nowhere else in this file; its race 2 called off.
    sandbox.world.cancelRace('20250607', 1, 2);
    const report = await service.collectDay({ date: '2025-06-07', meet: 1, results: true, details: false });
    expect(report.failures).toEqual([]);
    expect(report.races.find((race) => race.raceNo === 2)).toMatchObject({
      status: 'cancelled',
      results: 0,
      dividends: 0,
    });
    const races = await database.query<{ race_no: number; status: string; results: number }>(
      `SELECT r.race_no, r.status, count(res.entry_id)::int AS results FROM races r JOIN entries e ON e.race_id = r.id LEFT JOIN results res ON res.entry_id = e.id
        WHERE r.race_date = '2025-06-07' AND r.meet = 1 GROUP BY r.race_no, r.status ORDER BY r.race_no`,
    );
    expect(races.find((race) => race.race_no === 2)).toEqual({ race_no: 2, status: 'cancelled', results: 0 });
    expect(
      races.filter((race) => race.race_no !== 2).every((race) => race.status === 'finished' && race.results > 0),
    ).toBe(true);
  });

  it('should mark a scratched runner scratched, with no finishing position', async () => {
    const scratchDay = findScratchDay(sandbox);
    await service.collectDay({ date: scratchDay.date, meet: scratchDay.meet, results: true, details: false });
    const rows = await database.query<{
      scratched: boolean;
      scratch_reason: string | null;
      finish_position: number | null;
      finish_status: string;
    }>(
      `SELECT e.scratched, e.scratch_reason, res.finish_position, res.finish_status FROM entries e
         JOIN races r ON r.id = e.race_id JOIN results res ON res.entry_id = e.id
        WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = $3 AND e.gate_no = $4`,
      [scratchDay.date, scratchDay.meet, scratchDay.raceNo, scratchDay.gateNo],
    );
    expect(rows).toEqual([
      { scratched: true, scratch_reason: expect.any(String), finish_position: null, finish_status: 'scratched' },
    ]);
  });

  it('should leave every table identical when the same collection runs again', async () => {
    const before = await dump();
    const report = await service.collectDay({ ...FIXTURE_DAY, results: true });
    expect(report.ok).toBe(true);
    expect(await dump()).toEqual(before);
  });

  it('should never duplicate a row when two runs of the same day overlap, and both succeed', async () => {
    const day = { date: '2025-05-24', meet: 1 };
    const [first, second] = await Promise.all([
      service.collectDay({ ...day, results: true }),
      service.collectDay({ ...day, results: true }),
    ]);
    expect(first.ok && second.ok).toBe(true);
    const [{ races, entries, distinct }] = await database.query<{ races: string; entries: string; distinct: string }>(
      `SELECT (SELECT count(*) FROM races WHERE race_date = $1 AND meet = $2) AS races,
              (SELECT count(*) FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2) AS entries,
              (SELECT count(DISTINCT (e.race_id, e.gate_no)) FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2) AS distinct`,
      [day.date, day.meet],
    );
    const expected = sandbox.world.raceDay('20250524', 1);
    expect(Number(races)).toBe(expected.races.length);
    expect(Number(entries)).toBe(expected.races.reduce((sum, race) => sum + race.rows.length, 0));
    expect(entries).toBe(distinct);
  });

  it('should store a response once when two transactions save it at the same moment (two workers)', async () => {
    const repository = api.app.get(RaceData).provenance;
    const holder = api.app.get(DataSource).createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const params = { hr_no: 'concurrent-save' };
    const first = await repository.saveResponse('API8_2', params, [{ hrNo: 'concurrent-save' }], holder.manager);
    // The second save meets the first's uncommitted row and waits for it.
    const second = repository.saveResponse('API8_2', params, [{ hrNo: 'concurrent-save' }]);
    await sleep(200);
    await holder.commitTransaction();
    await holder.release();
    expect(await second).toBe(first);
  });

  it('should freeze the pre-race snapshot at the start, even when later collections change master data', async () => {
    const day = { date: '2025-05-25', meet: 3 };
    const beforeStart = (): Date => new Date('2025-05-25T00:00:00Z'); // 09:00 KST, before the first race
    const client = api.app.get(KraClient);
    await collector(client, beforeStart).collectDay({ ...day });
    const snapshot = async (): Promise<unknown[]> =>
      database.query(
        `SELECT s.* FROM entry_snapshots s JOIN entries e ON e.id = s.entry_id JOIN races r ON r.id = e.race_id
          WHERE r.race_date = $1 AND r.meet = $2 ORDER BY s.entry_id`,
        [day.date, day.meet],
      );
    const taken = (await snapshot()) as { taken_before_start: boolean }[];
    expect(taken.length).toBeGreaterThan(0);
    expect(taken.every((row) => row.taken_before_start)).toBe(true);

    // The master data moves on (simulated here), and the day is collected again after the races.
    await database.query(`UPDATE horses SET career = '{"career":{"starts":999}}'::jsonb, details_at = NULL`);
    await collector(client, () => new Date('2025-05-26T00:00:00Z')).collectDay({ ...day, results: true });
    expect(await snapshot()).toEqual(taken);
    const [changed] = await database.query<{ n: string }>(
      `SELECT count(*) AS n FROM horses h JOIN entries e ON e.hr_no = h.hr_no JOIN races r ON r.id = e.race_id
        WHERE r.race_date = $1 AND r.meet = $2 AND h.career->'career'->>'starts' = '999'`,
      [day.date, day.meet],
    );
    expect(Number(changed.n)).toBe(0); // the horses themselves were refreshed

    // The read API's pre-race view of the finished race: no post-race field anywhere, and the
    // career figures of the snapshot taken before the start.
    const auth = { 'x-api-key': ADMIN_KEY };
    const prerace = (await (
      await fetch(`${api.baseUrl}/api/v2/races/${day.date}/${day.meet}/1?view=prerace`, { headers: auth })
    ).json()) as {
      status: string;
      entries: { gateNo: number; horse: { no: string; snapshot: unknown } }[];
    };
    expect(prerace.status).toBe('finished');
    expect(forbiddenKeys(prerace)).toEqual([]);
    const snapshots = await database.query<{ hr_no: string; horse: unknown }>(
      `SELECT e.hr_no, s.horse FROM entry_snapshots s JOIN entries e ON e.id = s.entry_id JOIN races r ON r.id = e.race_id
        WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = 1`,
      [day.date, day.meet],
    );
    expect(prerace.entries.length).toBe(snapshots.length);
    for (const entry of prerace.entries)
      expect(entry.horse.snapshot).toEqual(snapshots.find((row) => row.hr_no === entry.horse.no)?.horse);
    const full = (await (
      await fetch(`${api.baseUrl}/api/v2/races/${day.date}/${day.meet}/1?view=full`, { headers: auth })
    ).json()) as object;
    expect(forbiddenKeys(full).length).toBeGreaterThan(0);
  });

  it('should drop the cached day listing when it collects that day', async () => {
    const listing = async (): Promise<{ races: unknown[] }> =>
      (await (
        await fetch(`${api.baseUrl}/api/v2/collection/races?date=2025-04-05&meet=1`, {
          headers: { 'x-api-key': ADMIN_KEY },
        })
      ).json()) as { races: unknown[] };
    expect((await listing()).races).toEqual([]); // now cached, empty
    await service.collectDay({ date: '2025-04-05', meet: 1, details: false });
    expect((await listing()).races).toHaveLength(sandbox.world.raceDay('20250405', 1).races.length);
  });

  describe('on KRA’s bad days', () => {
    let flaky: TestKraClient;

    afterAll(async () => {
      sandbox.setFaults('*', null);
      sandbox.reset();
      await flaky?.close();
    });

    it('should complete a day through 20% server errors and timeouts', async () => {
      sandbox.setFaults('*', { rates: { http500: 0.1, timeout: 0.1 } });
      flaky = await kraClient(
        sandbox.url,
        'sandbox-service-key',
        { timeoutMs: 300, maxRetries: 8, concurrency: 8, pageSize: 1000 },
        `${redis.prefix}flaky:`,
      );
      const report = await collector(flaky.client).collectDay({ date: '2025-05-30', meet: 2, results: true });
      sandbox.setFaults('*', null);
      expect(report.failures).toEqual([]);
      const expected = sandbox.world.raceDay('20250530', 2);
      const [{ n }] = await database.query<{ n: string }>(
        `SELECT count(*) AS n FROM races WHERE race_date = '2025-05-30' AND meet = 2 AND status = 'finished'`,
      );
      expect(Number(n)).toBe(expected.races.length);
    });

    it('should report horses failed for quota, store everything else, and fill the gaps on a later run', async () => {
      const day = { date: '2025-05-31', meet: 1 };
      sandbox.reset();
      sandbox.setFaults('API8_2', { dailyQuota: 5 });
      const first = await kraClient(sandbox.url, 'sandbox-service-key', {}, `${redis.prefix}quota:`);
      const report = await collector(first.client).collectDay({ ...day });
      const quotaFailures = report.failures.filter((failure) => failure.error === 'KraQuotaExceededError');
      expect(quotaFailures.length).toBeGreaterThan(0);
      expect(
        report.failures.every(
          (failure) => failure.scope.startsWith('horse ') && failure.reason.includes('API8_2: daily quota exhausted'),
        ),
      ).toBe(true);
      const missing = async (): Promise<number> =>
        Number(
          (
            await database.query<{ n: string }>(
              `SELECT count(*) AS n FROM entries e JOIN races r ON r.id = e.race_id JOIN horses h ON h.hr_no = e.hr_no
                WHERE r.race_date = $1 AND r.meet = $2 AND h.details_at IS NULL`,
              [day.date, day.meet],
            )
          )[0].n,
        );
      expect(await missing()).toBeGreaterThan(0);
      const [{ jockeys }] = await database.query<{ jockeys: string }>(
        `SELECT count(*) AS jockeys FROM entries e JOIN races r ON r.id = e.race_id JOIN jockeys j ON j.jk_no = e.jk_no
          WHERE r.race_date = $1 AND r.meet = $2 AND j.details_at IS NULL`,
        [day.date, day.meet],
      );
      expect(Number(jockeys)).toBe(0);
      await first.close();

      // After midnight KST the quota is back: a later run fills the gaps.
      sandbox.setFaults('API8_2', null);
      sandbox.reset();
      const later = await kraClient(sandbox.url, 'sandbox-service-key', {}, `${redis.prefix}later:`);
      const again = await collector(later.client).collectDay({ ...day });
      await later.close();
      expect(again.failures).toEqual([]);
      expect(await missing()).toBe(0);
    });
  });
});

describe('npm run cli -- collect', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
  });

  afterAll(async () => {
    await sandbox?.close();
    await database.drop();
    await redis.clear();
  });

  const run = async (args: string[]): Promise<NodeProcess> => {
    const cli = new NodeProcess(
      CLI_MAIN,
      { ...testEnv(database, redis, { KRA_BASE_URL: sandbox.url, KRA_REQUESTS_PER_SECOND: '1000' }) },
      args,
    );
    await cli.exited;
    return cli;
  };

  it('should collect a day, print plain progress lines off a terminal and the report, and exit 0', async () => {
    const cli = await run(['collect', '--date', '2025-05-23', '--meet', '3', '--results']);
    expect(cli.child.exitCode).toBe(0);
    const report = JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '{}') as { ok: boolean; races: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.races).toHaveLength(sandbox.world.raceDay('20250523', 3).races.length);
    expect(cli.stderr).toContain('entries: ');
    expect(cli.stderr).not.toContain('\r');
    const [{ n }] = await database.query<{ n: string }>(`SELECT count(*) AS n FROM races WHERE status = 'finished'`);
    expect(Number(n)).toBe(report.races.length);
  });

  it('should show a terminal human log lines above the progress bar, and no JSON report unless --json', async () => {
    const env = testEnv(database, redis, {
      KRA_BASE_URL: sandbox.url,
      KRA_REQUESTS_PER_SECOND: '1000',
      KRA_RETRY_BASE_MS: '5',
      KRA_RETRY_MAX_MS: '20',
      KRA_MASTER_CACHE_TTL_SECONDS: '0',
    });
    // A 503 in the middle of the details step: its retry warning is logged while the bar is drawn.
    sandbox.failNext('API8_2', ['pass', 'pass', 'pass', 'http503']);
    const plain = await runOnTerminal(CLI_MAIN, env, ['collect', '--date', '2025-05-23', '--meet', '3']);
    expect(plain.code, plain.output).toBe(0);
    // What each screen line shows: the text after the last "clear line" (a log line clears the bar,
    // is printed, and the bar is drawn again below it).
    const clearLine = '\r\u001b[2K';
    const screen = plain.output
      .split(/\r\n|\n/)
      .map((line) => (line.includes(clearLine) ? line.slice(line.lastIndexOf(clearLine) + clearLine.length) : line));
    expect(
      screen.some((line) => /^WARN {2}\[KraUpstream\] KRA_SERVICE_KEY is not set: using the KRA sandbox/.test(line)),
      plain.output,
    ).toBe(true);
    expect(
      screen.some((line) => /^WARN {2}\[KraClient\] API8_2: .*retry 1 of/.test(line)),
      plain.output,
    ).toBe(true);
    expect(plain.output).not.toContain('{"level"');
    // No log text inside a bar's line.
    expect(screen.filter((line) => line.includes('[#') && /WARN|\{"/.test(line))).toEqual([]);
    // The summary, and no JSON report, on a terminal.
    expect(plain.output).toContain('2025-05-23 meet 3:');
    expect(plain.output).not.toContain('{"date":"2025-05-23"');
    const json = await runOnTerminal(CLI_MAIN, env, ['collect', '--date', '2025-05-23', '--meet', '3', '--json']);
    expect(json.code, json.output).toBe(0);
    expect(json.output).toMatch(/\{"date":"2025-05-23","meet":3,.*"ok":true\}/);
  });

  it('should exit 1 when anything failed, naming it', async () => {
    sandbox.setFaults('API19_1', { gatewayError: { code: '20', status: 200, format: 'xml' } } as never);
    const cli = await run(['collect', '--date', '2025-05-24', '--meet', '1']);
    sandbox.setFaults('API19_1', null);
    expect(cli.child.exitCode).toBe(1);
    expect(cli.stderr).toMatch(/FAILED trainer \d{6}: API19_1: SERVICE_ACCESS_DENIED_ERROR/);
  });

  it('should exit 2 with the usage for bad arguments', async () => {
    const cli = await run(['collect', '--date', '2025-02-30', '--meet', '1']);
    expect(cli.child.exitCode).toBe(2);
    expect(cli.stderr).toContain('--date: "2025-02-30" is not a calendar date');
    expect(cli.stderr).toContain('Usage: npm run cli -- collect');
  });
});
