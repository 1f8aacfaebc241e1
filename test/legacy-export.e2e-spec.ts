import { CollectionService, RaceData, RaceReadService } from '@app/collection';
import { dataSourceOptions, runMigrationsLocked } from '@app/database';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { LegacyExporter, legacyFilePath, LegacyImporter, LegacyKind, LegacyRaceBuilder } from '@app/legacy';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { logicalDump } from './support/dump';
import { ADMIN_KEY, testConfig, TestDatabase, testEnv, TestRedisPrefix } from './support/infra';
import { writeLegacyTree } from './support/legacy-tree';
import { CLI_MAIN, NodeProcess } from './support/processes';
import { findScratchDay, ScratchDay } from './support/sandbox-days';

type Json = Record<string, unknown>;
type Item = Json & { chulNo: number; hrDetail?: Json; jkDetail?: Json; trDetail?: Json };
interface Envelope {
  response: {
    header: { resultCode: string; resultMsg: string };
    body: { items: { item: Item[] }; numOfRows: number; pageNo: number; totalCount: number };
  };
}

/** The captured race (Busan 2025-05-23 race 1): collected with details and results. */
const DAY = { date: '2025-05-23', meet: 3 };
const RACE = `${DAY.date}/${DAY.meet}/1`;

/** API214_1 fields a legacy file never carries as they were: post-race ones (reset or left out) and ones we do not store. */
const POST_RACE = /^(ord|ordBigo|rankRise|diffUnit|rcTime|winOdds|plcOdds|track|weather)$|^(bu|se|sj|je)(_|[A-Z])/;
const UNSTORED = /^(buga[123]|wgBudamBigo|wgJk)$/;

/** Every post-race value anywhere in a legacy JSON: what is left of it must be a reset value. */
function postRaceValues(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => postRaceValues(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const here = `${path}.${key}`;
    const own =
      /^(winOdds|plcOdds)$/.test(key) ||
      (/^(ord|rankRise|rcTime)$|^(bu|se|sj|je)(_|[A-Z])/.test(key) && item !== 0) ||
      (/^(ordBigo|diffUnit|track|weather)$/.test(key) && item !== '-')
        ? [`${here}=${JSON.stringify(item)}`]
        : [];
    return [...own, ...postRaceValues(item, here)];
  });
}

function filesUnder(root: string): string[] {
  return (
    readdirSync(root, { recursive: true, withFileTypes: true }) as {
      isFile(): boolean;
      parentPath: string;
      name: string;
    }[]
  )
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('Legacy export', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  let readKey: string;
  let scratchDay: ScratchDay;

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${api.baseUrl}/api/v2${path}`, { headers: { 'x-api-key': readKey, ...headers } });

  async function legacy(race: string, kind?: LegacyKind): Promise<{ text: string; body: Envelope }> {
    const response = await get(`/legacy/races/${race}${kind ? `?kind=${kind}` : ''}`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return { text, body: JSON.parse(text) as Envelope };
  }

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(testConfig(database, redis, { KRA_BASE_URL: sandbox.url, KRA_REQUESTS_PER_SECOND: '1000' }));
    const collector = api.app.get(CollectionService);
    const report = await collector.collectDay({ ...DAY, results: true });
    expect(report.failures).toEqual([]);
    // A day collected without details: no snapshots, so no _enriched files; and it has a scratch.
    scratchDay = findScratchDay(sandbox);
    expect(
      (await collector.collectDay({ date: scratchDay.date, meet: scratchDay.meet, results: true, details: false }))
        .failures,
    ).toEqual([]);
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v2/admin/api-keys',
      headers: { 'x-api-key': ADMIN_KEY },
      payload: { name: 'legacy reader', scopes: ['read'] },
    });
    readKey = created.json<{ key: string }>().key;
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await database.drop();
    await redis.clear();
  });

  describe('GET /legacy/races/{date}/{meet}/{raceNo}', () => {
    it('should answer the legacy envelope: every runner, by gate, with the sandbox values under the API214_1 names', async () => {
      const { text, body } = await legacy(RACE);
      expect(text).toBe(`${JSON.stringify(body, null, 2)}\n`);
      expect(body.response.header).toEqual({ resultCode: '00', resultMsg: 'NORMAL SERVICE.' });
      const items = body.response.body.items.item;
      expect(body.response.body).toMatchObject({ numOfRows: items.length, pageNo: 1, totalCount: items.length });

      const race = sandbox.world.race('20250523', 3, 1)!;
      const runners = race.rows.filter((row) => row.ord !== 95).sort((a, b) => Number(a.chulNo) - Number(b.chulNo));
      expect(items.map((item) => item.chulNo)).toEqual(runners.map((row) => row.chulNo));
      for (const [i, row] of runners.entries()) {
        const kept = Object.fromEntries(
          Object.entries(row).filter(([key]) => !POST_RACE.test(key) && !UNSTORED.test(key)),
        );
        expect(items[i], `chulNo ${row.chulNo}`).toMatchObject(kept);
      }
      expect(
        items.every(
          (item) =>
            item.sexCond === race.plan.sexCond &&
            item.stTime === `출발 :${race.plan.schStTime.slice(0, 2)}:${race.plan.schStTime.slice(2)}`,
        ),
      ).toBe(true);
      // The captured runner, exactly as the fixture has it.
      expect(items.find((item) => item.chulNo === 10)).toMatchObject({
        hrNo: '0051228',
        hrName: '올라운드원',
        owNo: 118011,
        wgBudam: 57,
        wgHr: '511(+2)',
        meet: '부경',
        rcDate: 20250523,
      });

      // ...and as the database holds it.
      const stored = await database.query<{
        gate_no: number;
        name: string;
        carried_weight_kg: number;
        body_weight_kg: number;
        body_weight_change: number;
        rating: number;
      }>(
        `SELECT e.gate_no, h.name, e.carried_weight_kg::float8 AS carried_weight_kg, e.body_weight_kg::float8 AS body_weight_kg,
                e.body_weight_change::float8 AS body_weight_change, e.rating
           FROM entries e JOIN races r ON r.id = e.race_id JOIN horses h ON h.hr_no = e.hr_no
          WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = 1 AND NOT e.scratched ORDER BY e.gate_no`,
        [DAY.date, DAY.meet],
      );
      expect(items.map((item) => [item.chulNo, item.hrName, item.wgBudam, item.wgHr, item.rating])).toEqual(
        stored.map((row) => [
          row.gate_no,
          row.name,
          row.carried_weight_kg,
          `${row.body_weight_kg}(${row.body_weight_change > 0 ? '+' : ''}${row.body_weight_change})`,
          row.rating,
        ]),
      );
    });

    it('should hold no post-race value in the prerace JSON, though the race has results', async () => {
      const [{ status, results }] = await database.query<{ status: string; results: number }>(
        `SELECT r.status, (SELECT count(*)::int FROM results x JOIN entries e ON e.id = x.entry_id WHERE e.race_id = r.id) AS results
           FROM races r WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = 1`,
        [DAY.date, DAY.meet],
      );
      expect(status).toBe('finished');
      expect(results).toBeGreaterThan(0);
      for (const kind of ['prerace', 'enriched'] as const) {
        const { body } = await legacy(RACE, kind);
        expect(postRaceValues(body), kind).toEqual([]);
        const item = body.response.body.items.item[0];
        expect(item).toMatchObject({
          ord: 0,
          rcTime: 0,
          rankRise: 0,
          buS1fTime: 0,
          diffUnit: '-',
          ordBigo: '-',
          track: '-',
          weather: '-',
        });
        expect(Object.keys(item)).not.toContain('winOdds');
        expect(Object.keys(item)).not.toContain('plcOdds');
      }
      // The walk catches what the sandbox's result rows hold.
      expect(postRaceValues(sandbox.world.race('20250523', 3, 1)!.rows).length).toBeGreaterThan(0);
    });

    it('should add hrDetail, jkDetail and trDetail from the master data and the snapshot with kind=enriched', async () => {
      const prerace = (await legacy(RACE, 'prerace')).body.response.body.items.item;
      const enriched = (await legacy(RACE, 'enriched')).body.response.body.items.item;
      expect(enriched.map((item) => item.chulNo)).toEqual(prerace.map((item) => item.chulNo));
      const snapshots = await database.query<{
        gate_no: number;
        horse: Json;
        jockey: Json;
        trainer: Json;
        sire_name: string;
        debut: string;
        stable: string;
      }>(
        `SELECT e.gate_no, s.horse, s.jockey, s.trainer, h.sire_name, to_char(j.debut_date, 'YYYYMMDD') AS debut, t.stable
           FROM entries e JOIN races r ON r.id = e.race_id JOIN entry_snapshots s ON s.entry_id = e.id
           JOIN horses h ON h.hr_no = e.hr_no JOIN jockeys j ON j.jk_no = e.jk_no JOIN trainers t ON t.tr_no = e.tr_no
          WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = 1 AND NOT e.scratched ORDER BY e.gate_no`,
        [DAY.date, DAY.meet],
      );
      expect(snapshots.map((row) => row.gate_no)).toEqual(enriched.map((item) => item.chulNo));
      for (const [i, item] of enriched.entries()) {
        const { hrDetail, jkDetail, trDetail, ...runner } = item;
        expect(runner).toEqual(prerace[i]);
        const row = snapshots[i];
        const career = (part: Json, key: string): Json => part[key] as Json;
        expect(hrDetail).toMatchObject({
          hrNo: item.hrNo,
          hrName: item.hrName,
          faHrName: row.sire_name,
          rating: row.horse.rating,
          rank: row.horse.raceClass,
          chaksunT: row.horse.totalPrize,
          rcCntT: career(row.horse, 'career').starts,
          ord1CntY: career(row.horse, 'thisYear').wins,
        });
        expect(jkDetail).toMatchObject({
          jkNo: item.jkNo,
          jkName: item.jkName,
          debut: Number(row.debut),
          rcCntT: career(row.jockey, 'career').starts,
        });
        expect(trDetail).toMatchObject({
          trNo: item.trNo,
          trName: item.trName,
          part: /^\d+$/.test(row.stable) ? Number(row.stable) : row.stable,
          winRateT: row.trainer.winRatePercent,
          ord2CntT: career(row.trainer, 'career').seconds,
        });
      }
      // The captured horse's details, as the captured API8_2 answer has them (less the sale price we do not store).
      const captured = enriched.find((item) => item.chulNo === 10)!.hrDetail;
      expect(captured).toMatchObject({
        hrNo: '0051228',
        meet: '부산경남',
        birthday: 20220303,
        owNo: 118011,
        trNo: '070180',
        hrLastAmt: '-',
      });
    });

    it('should leave scratched runners out, and give empty detail blocks where no snapshot was taken', async () => {
      const race = `${scratchDay.date}/${scratchDay.meet}/${scratchDay.raceNo}`;
      const [{ scratched }] = await database.query<{ scratched: boolean }>(
        `SELECT e.scratched FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = $3 AND e.gate_no = $4`,
        [scratchDay.date, scratchDay.meet, scratchDay.raceNo, scratchDay.gateNo],
      );
      expect(scratched).toBe(true);
      const items = (await legacy(race)).body.response.body.items.item;
      const starters = sandbox.world
        .race(scratchDay.date.replaceAll('-', ''), scratchDay.meet as 1 | 2 | 3, scratchDay.raceNo)!
        .rows.filter((row) => row.ord !== 95);
      expect(items.map((item) => item.chulNo)).toEqual(starters.map((row) => Number(row.chulNo)).sort((a, b) => a - b));
      expect(items.map((item) => item.chulNo)).not.toContain(scratchDay.gateNo);
      const enriched = (await legacy(race, 'enriched')).body.response.body.items.item;
      expect(
        enriched.every((item) => JSON.stringify([item.hrDetail, item.jkDetail, item.trDetail]) === '[{},{},{}]'),
      ).toBe(true);
    });

    it('should tag the response and answer a matching If-None-Match with 304', async () => {
      const first = await get(`/legacy/races/${RACE}?kind=enriched`);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect((await get(`/legacy/races/${RACE}?kind=enriched`, { 'if-none-match': etag! })).status).toBe(304);
      expect((await get(`/legacy/races/${RACE}`, { 'if-none-match': etag! })).status).toBe(200);
    });

    it('should answer 404 for a race we do not have', async () => {
      for (const path of [
        `/legacy/races/${DAY.date}/${DAY.meet}/20`,
        '/legacy/races/2025-05-21/3/1',
        '/legacy/races/2025-05-23/4/1?kind=enriched',
      ]) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
        expect(await response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
    });

    it.each([
      ['/legacy/races/2025-02-30/3/1', 'date'],
      ['/legacy/races/2025-5-23/3/1', 'date'],
      ['/legacy/races/2025-05-23/0/1', 'meet'],
      ['/legacy/races/2025-05-23/5/1', 'meet'],
      ['/legacy/races/2025-05-23/x/1', 'meet'],
      ['/legacy/races/2025-05-23/3/0', 'raceNo'],
      ['/legacy/races/2025-05-23/3/21', 'raceNo'],
      ['/legacy/races/2025-05-23/3/abc', 'raceNo'],
      ['/legacy/races/2025-05-23/3/1?kind=full', 'kind'],
      ['/legacy/races/2025-05-23/3/1?kind=', 'kind'],
      ['/legacy/races/2025-05-23/3/1?view=prerace', 'view'],
    ])('should answer %s with 400 naming %s', async (path, field) => {
      const response = await get(path);
      const body = (await response.json()) as { statusCode: number; details: { field: string }[] };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(body.details.map((problem) => problem.field)).toContain(field);
    });

    it('should need an API key with the read scope', async () => {
      expect((await fetch(`${api.baseUrl}/api/v2/legacy/races/${RACE}`)).status).toBe(401);
      const created = await api.app.inject({
        method: 'POST',
        url: '/api/v2/admin/api-keys',
        headers: { 'x-api-key': ADMIN_KEY },
        payload: { name: 'legacy collector', scopes: ['collect'] },
      });
      expect((await get(`/legacy/races/${RACE}`, { 'x-api-key': created.json<{ key: string }>().key })).status).toBe(
        403,
      );
    });
  });

  describe('npm run cli -- export-legacy', () => {
    let root: string;

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'legacy-export-'));
    });

    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    const run = async (args: string[]): Promise<NodeProcess> => {
      const cli = new NodeProcess(CLI_MAIN, testEnv(database, redis), args);
      await cli.exited;
      return cli;
    };

    /** The files a range should give: _prerace for every race with runners, _enriched where a runner has a snapshot. */
    async function expectedFiles(from: string, to: string): Promise<string[]> {
      const races = await database.query<{ date: string; meet: number; race_no: number; snapshots: number }>(
        `SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no,
                (SELECT count(*)::int FROM entries e JOIN entry_snapshots s ON s.entry_id = e.id WHERE e.race_id = r.id AND NOT e.scratched) AS snapshots
           FROM races r WHERE r.race_date BETWEEN $1 AND $2 AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id AND NOT e.scratched)`,
        [from, to],
      );
      return races
        .flatMap((race) =>
          (['prerace', 'enriched'] as const)
            .filter((kind) => kind === 'prerace' || race.snapshots > 0)
            .map((kind) => ({ date: race.date, meet: race.meet, raceNo: race.race_no, kind })),
        )
        .map(legacyFilePath)
        .sort();
    }

    it('should write exactly the files of the range, each the bytes the endpoint answers, and exit 0', async () => {
      const from = DAY.date < scratchDay.date ? DAY.date : scratchDay.date;
      const to = DAY.date < scratchDay.date ? scratchDay.date : DAY.date;
      const cli = await run(['export-legacy', root, '--from', from, '--to', to]);
      expect(cli.child.exitCode, cli.stderr).toBe(0);
      const expected = await expectedFiles(from, to);
      expect(expected.filter((path) => path.endsWith('_enriched.json')).length).toBeGreaterThan(0);
      expect(
        expected.some((path) =>
          path.includes(`race_${scratchDay.meet}_${scratchDay.date.replaceAll('-', '')}_${scratchDay.raceNo}_enriched`),
        ),
      ).toBe(false);
      expect(filesUnder(root)).toEqual(expected);
      for (const path of expected) {
        const [, meet, compact, raceNo, kind] = /race_(\d)_(\d{8})_(\d+)_(\w+)\.json$/.exec(path)!;
        const date = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6)}`;
        const file = readFileSync(join(root, path), 'utf8');
        expect(file, path).toBe((await legacy(`${date}/${meet}/${raceNo}`, kind as LegacyKind)).text);
      }
      const report = JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '{}') as Json;
      expect(report).toMatchObject({
        from,
        to,
        meet: null,
        races: expected.filter((path) => path.endsWith('_prerace.json')).length,
        filesWritten: expected.length,
        filesUnchanged: 0,
        ok: true,
      });
      expect(cli.stderr).toContain(`files written ${expected.length}`);
      expect(cli.stderr).toMatch(/^export: \d+\/\d+ races \(100%\)$/m);
      expect(cli.stderr).not.toContain('\r');
    });

    it('should leave identical files untouched when run again, and export one meet with --meet', async () => {
      const before = filesUnder(root).map((path) => readFileSync(join(root, path), 'utf8'));
      const again = await run([
        'export-legacy',
        root,
        '--from',
        DAY.date,
        '--to',
        DAY.date,
        '--meet',
        String(DAY.meet),
      ]);
      expect(again.child.exitCode, again.stderr).toBe(0);
      const report = JSON.parse(again.stdout.trim().split('\n').at(-1) ?? '{}') as Json;
      const dayFiles = (await expectedFiles(DAY.date, DAY.date)).filter((path) =>
        path.includes(`/${DAY.date.replaceAll('-', '')}/busan/`),
      );
      expect(report).toMatchObject({ meet: DAY.meet, filesWritten: 0, filesUnchanged: dayFiles.length, ok: true });
      expect(filesUnder(root).map((path) => readFileSync(join(root, path), 'utf8'))).toEqual(before);
      const otherMeet = await run([
        'export-legacy',
        join(root, 'empty'),
        '--from',
        DAY.date,
        '--to',
        DAY.date,
        '--meet',
        '1',
      ]);
      expect(otherMeet.child.exitCode).toBe(0);
      expect(JSON.parse(otherMeet.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
        races: 0,
        filesWritten: 0,
      });
    });

    it.each([
      [['export-legacy', '--from', '2025-05-01', '--to', '2025-05-31'], 'export-legacy needs a directory'],
      [['export-legacy', 'out', '--from', '2025-05-31', '--to', '2025-05-01'], '--to must not be before --from'],
      [['export-legacy', 'out', '--from', '2024-01-01', '--to', '2025-01-01'], 'may span at most 366 days'],
      [
        ['export-legacy', 'out', '--from', '2025-05-01', '--to', '2025-05-31', '--meet', '7'],
        '--meet: "7" is not 1, 2 or 3',
      ],
    ])('should exit 2 with the usage for %j', async (args, message) => {
      const cli = await run(args);
      expect(cli.child.exitCode).toBe(2);
      expect(cli.stderr).toContain(message);
      expect(cli.stderr).toContain('npm run cli -- export-legacy <dir>');
    });
  });
});

describe('A drop-in for the old scripts: legacy-collect and POST /legacy/collect', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  let root: string;
  /** A Seoul day no other test of this file collects. */
  const SEOUL_DAY = { compact: '20250607', date: '2025-06-07', meet: 1 };

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(
      testConfig(database, redis, {
        KRA_BASE_URL: sandbox.url,
        KRA_REQUESTS_PER_SECOND: '1000',
        JOBS_RUN_IN_API: 'false',
      }),
    );
    root = await mkdtemp(join(tmpdir(), 'legacy-collect-'));
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await database.drop();
    await redis.clear();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const run = async (args: string[]): Promise<NodeProcess> => {
    const cli = new NodeProcess(
      CLI_MAIN,
      testEnv(database, redis, { KRA_BASE_URL: sandbox.url, KRA_REQUESTS_PER_SECOND: '1000' }),
      args,
    );
    await cli.exited;
    return cli;
  };

  it("should take the old script's arguments (YYYYMMDD, meet 1 by default), collect the day and write its legacy files, exit 0", async () => {
    const cli = await run(['legacy-collect', SEOUL_DAY.compact, '--out', root]);
    expect(cli.child.exitCode, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '{}') as {
      collection: Json & { results: boolean };
      export: Json;
      ok: boolean;
    };
    expect(report).toMatchObject({
      ok: true,
      collection: { date: SEOUL_DAY.date, meet: 1, results: true, ok: true },
      export: { meet: 1, ok: true },
    });

    const races = sandbox.world.raceDay(SEOUL_DAY.compact, 1).races.map((race) => race.plan.rcNo);
    const expected = races
      .flatMap((raceNo) =>
        (['prerace', 'enriched'] as const).map((kind) =>
          legacyFilePath({ date: SEOUL_DAY.date, meet: 1, raceNo, kind }),
        ),
      )
      .sort();
    expect(filesUnder(root)).toEqual(expected);
    // The same bytes export-legacy writes for that day: leakage-safe, no final odds, no guessed races.
    const exported = join(root, 'by-export');
    const exportCli = await run([
      'export-legacy',
      exported,
      '--from',
      SEOUL_DAY.date,
      '--to',
      SEOUL_DAY.date,
      '--meet',
      '1',
    ]);
    expect(exportCli.child.exitCode, exportCli.stderr).toBe(0);
    for (const path of expected) {
      const file = readFileSync(join(root, path), 'utf8');
      expect(file, path).toBe(readFileSync(join(exported, path), 'utf8'));
      expect(file).not.toMatch(/"(winOdds|plcOdds)"/);
    }
  });

  it('should exit 2 for arguments the old script would not take', async () => {
    for (const args of [
      ['legacy-collect'],
      ['legacy-collect', '20250230'],
      ['legacy-collect', SEOUL_DAY.compact, '9'],
      ['legacy-collect', SEOUL_DAY.compact, '1', 'extra'],
    ]) {
      const cli = await run(args);
      expect(cli.child.exitCode, args.join(' ')).toBe(2);
      expect(cli.stderr).toContain('npm run cli -- legacy-collect YYYYMMDD [MEET]');
    }
  });

  it('should queue the same collection job from POST /legacy/collect {date, meet} and answer 202 with the job', async () => {
    const post = (body: unknown, key = ADMIN_KEY): Promise<Response> =>
      fetch(`${api.baseUrl}/api/v2/legacy/collect`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const response = await post({ date: '20250524', meet: 1 });
    expect(response.status).toBe(202);
    const job = (await response.json()) as Json & { id: string };
    expect(job).toMatchObject({
      id: expect.any(String),
      type: 'collect-day',
      status: 'queued',
      params: { date: '2025-05-24', meet: 1, details: true, results: true },
    });
    // The same work as POST /collection/races: the same job while it is queued.
    const same = await fetch(`${api.baseUrl}/api/v2/collection/races`, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ date: '2025-05-24', meet: 1 }),
    });
    expect(((await same.json()) as { jobId: string }).jobId).toBe(job.id);
    // Meet 1 when omitted, as the old scripts did; bad input named.
    expect(((await (await post({ date: '2025-05-31' })).json()) as { params: Json }).params).toMatchObject({ meet: 1 });
    const bad = await post({ date: '2025-02-30', meet: 7 });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { details: { field: string }[] }).details.map((problem) => problem.field).sort(),
    ).toEqual(['date', 'meet']);
    // Scope collect: a read key may not.
    const reader = await api.app.inject({
      method: 'POST',
      url: '/api/v2/admin/api-keys',
      headers: { 'x-api-key': ADMIN_KEY },
      payload: { name: 'reader', scopes: ['read'] },
    });
    expect((await post({ date: '20250524' }, reader.json<{ key: string }>().key)).status).toBe(403);
  });
});

describe('Legacy round trip: import → export → import', () => {
  const databases = [new TestDatabase(), new TestDatabase()];
  const redis = new TestRedisPrefix();
  const sources: DataSource[] = [];
  let sandbox: KraSandbox;
  let scratch: string;

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
  /** Every data table, rows sorted: two equal dumps mean nothing was written, timestamps included. */
  const strictDump = async (database: TestDatabase): Promise<Record<string, unknown[]>> => {
    const tables: Record<string, unknown[]> = {};
    for (const table of DATA_TABLES) tables[table] = await database.query(`SELECT * FROM ${table} ORDER BY 1`);
    return tables;
  };
  const importer = (source: DataSource): LegacyImporter => new LegacyImporter(new RaceData(source));
  const exporter = (source: DataSource): LegacyExporter =>
    new LegacyExporter(new LegacyRaceBuilder(new RaceReadService(source)));
  const tree = (root: string): Record<string, string> =>
    Object.fromEntries(filesUnder(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));

  beforeAll(async () => {
    for (const database of databases) {
      await database.create();
      const source = await new DataSource(
        dataSourceOptions(testConfig(database, redis).database, 'legacy-export-test'),
      ).initialize();
      await runMigrationsLocked(source);
      sources.push(source);
    }
    sandbox = await createKraSandbox();
    scratch = await mkdtemp(join(tmpdir(), 'legacy-round-trip-'));
  });

  afterAll(async () => {
    for (const source of sources) await source.destroy();
    await sandbox?.close();
    for (const database of databases) await database.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('should store the same data from an export as from the files it was made of, and export it again byte for byte', async () => {
    const [first, second] = sources;
    // From the fixture day: its Busan race 1 is the captured race.
    const generated = await writeLegacyTree(join(scratch, 'generated'), sandbox.world, {
      from: '2025-05-23',
      races: 30,
    });
    expect((await importer(first).import(join(scratch, 'generated'))).failures).toEqual([]);

    const range = { from: '2025-05-23', to: generated.last };
    const exported = await exporter(first).export(join(scratch, 'exported'), range);
    expect(exported).toMatchObject({
      races: generated.races,
      enriched: generated.races,
      filesWritten: generated.files,
      failures: [],
    });

    // Imported into an empty database, the export stores what the generated files stored.
    expect(await importer(second).import(join(scratch, 'exported'))).toMatchObject({
      imported: generated.races,
      failures: [],
    });
    expect(await logicalDump(databases[1])).toEqual(await logicalDump(databases[0]));

    // Imported over the data it was exported from: nothing is written.
    const before = await strictDump(databases[0]);
    expect(await importer(first).import(join(scratch, 'exported'))).toMatchObject({
      imported: 0,
      unchanged: generated.races,
      failures: [],
    });
    expect(await strictDump(databases[0])).toEqual(before);

    // Exported again, from either database: the same files, byte for byte.
    await exporter(second).export(join(scratch, 'again'), range);
    expect(tree(join(scratch, 'again'))).toEqual(tree(join(scratch, 'exported')));
    const rewritten = await exporter(first).export(join(scratch, 'exported'), range);
    expect(rewritten).toMatchObject({ filesWritten: 0, filesUnchanged: generated.files });
  });
});
