import { CollectionService, RaceData, RaceReadService } from '@app/collection';
import { dataSourceOptions, runMigrationsLocked } from '@app/database';
import { createKraSandbox, defaultFixturesDir, KraSandbox, KraWorld, ResultRow } from '@app/kra-sandbox';
import { LegacyExporter, LegacyImporter, LegacyImportReport, LegacyRaceBuilder } from '@app/legacy';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, TestDatabase, testEnv, TestRedisPrefix } from './support/infra';
import {
  compactDetails,
  detailsAsOf,
  enrichedItems,
  itemText,
  LegacyTreeSummary,
  preraceItems,
  TreeItem,
  writeLegacyFile,
  writeLegacyTree,
} from './support/legacy-tree';
import { kraClient } from './support/kra';
import { CLI_MAIN, NodeProcess } from './support/processes';

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
const FIXTURE_PATH = join(defaultFixturesDir(), 'API214_1-meet3-20250523-race1.json');

type Row = Record<string, unknown>;

/** Every runner stored, with its people, body weight and snapshot, keyed `date/meet/race/gate`. */
const RUNNERS_SQL = `
  SELECT to_char(r.race_date, 'YYYY-MM-DD') || '/' || r.meet || '/' || r.race_no || '/' || e.gate_no AS key,
         e.hr_no, h.name AS hr_name, e.jk_no, j.name AS jk_name, e.tr_no, t.name AS tr_name, e.ow_no, o.name AS ow_name,
         e.age, e.sex, e.origin, e.carried_weight_kg::float8 AS carried_weight_kg, e.rating, e.equipment, e.days_since_last_start,
         e.body_weight_kg::float8 AS body_weight_kg, e.body_weight_change::float8 AS body_weight_change, e.scratched,
         s.horse AS s_horse, s.jockey AS s_jockey, s.trainer AS s_trainer, s.taken_at, s.taken_before_start
    FROM entries e JOIN races r ON r.id = e.race_id JOIN horses h ON h.hr_no = e.hr_no
    LEFT JOIN jockeys j ON j.jk_no = e.jk_no LEFT JOIN trainers t ON t.tr_no = e.tr_no LEFT JOIN owners o ON o.ow_no = e.ow_no
    LEFT JOIN entry_snapshots s ON s.entry_id = e.id`;

function none(value: unknown): unknown {
  return value === '-' || value === '' ? null : value;
}

function career(item: Record<string, unknown>, period: 'T' | 'Y'): Row {
  return {
    starts: item[`rcCnt${period}`],
    wins: item[`ord1Cnt${period}`],
    seconds: item[`ord2Cnt${period}`],
    thirds: item[`ord3Cnt${period}`],
  };
}

/** What the database must hold for a `_enriched` item, computed from the item's raw values. */
function expectedRunner(item: TreeItem, date: string): Row {
  const weight = /^(\d+)\(([+-]?\d+)\)$/.exec(itemText(item.wgHr));
  const horse = item.hrDetail as Record<string, unknown>;
  const jockey = item.jkDetail as Record<string, unknown>;
  const trainer = item.trDetail as Record<string, unknown>;
  return {
    key: `${date}/${meetOf(item)}/${Number(item.rcNo)}/${Number(item.chulNo)}`,
    hr_no: itemText(item.hrNo),
    hr_name: itemText(item.hrName),
    jk_no: itemText(item.jkNo),
    jk_name: itemText(item.jkName),
    tr_no: itemText(item.trNo),
    tr_name: itemText(item.trName),
    ow_no: itemText(item.owNo),
    ow_name: itemText(item.owName),
    age: Number(item.age),
    sex: itemText(item.sex),
    origin: itemText(item.name),
    carried_weight_kg: Number(item.wgBudam),
    rating: Number(item.rating),
    equipment: none(item.hrTool),
    days_since_last_start: Number(item.ilsu),
    body_weight_kg: weight ? Number(weight[1]) : null,
    body_weight_change: weight ? Number(weight[2]) : null,
    scratched: false,
    s_horse: {
      rating: horse.rating,
      raceClass: horse.rank,
      career: career(horse, 'T'),
      thisYear: career(horse, 'Y'),
      totalPrize: horse.chaksunT,
    },
    s_jockey: { career: career(jockey, 'T'), thisYear: career(jockey, 'Y') },
    s_trainer: {
      career: career(trainer, 'T'),
      thisYear: career(trainer, 'Y'),
      winRatePercent: trainer.winRateT,
      placeRatePercent: trainer.plcRateT,
    },
    taken_at: new Date(`${date}T00:00:00+09:00`),
    taken_before_start: false,
  };
}

function meetOf(item: TreeItem): number {
  return (
    ({ 서울: 1, 제주: 2, 부경: 3, 부산경남: 3 } as Record<string, number>)[itemText(item.meet)] ?? Number(item.meet)
  );
}

/** Every item of a tree written by writeLegacyTree, as `_enriched` items. */
function treeItems(world: KraWorld, tree: LegacyTreeSummary, races: number): { date: string; item: TreeItem }[] {
  const items: { date: string; item: TreeItem }[] = [];
  let count = 0;
  for (const { date, meet } of tree.days) {
    for (const race of world.raceDay(date.replaceAll('-', ''), meet as 1 | 2 | 3).races) {
      if (count++ >= races) return items;
      for (const item of enrichedItems(world, race.rows, detailsAsOf(date))) items.push({ date, item });
    }
  }
  return items;
}

/** A value with every number written as a string, as some real files have them. */
function numbersAsStrings(value: unknown): unknown {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(numbersAsStrings);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, numbersAsStrings(item)]));
  return value;
}

describe('Legacy import (npm run cli -- import-legacy)', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let dataSource: DataSource;
  let importer: LegacyImporter;
  let sandbox: KraSandbox;
  let world: KraWorld;
  let scratch: string;
  let tree: LegacyTreeSummary;
  let first: LegacyImportReport;

  /** Every data table, rows sorted: two equal dumps mean nothing changed, timestamps included. */
  const dump = async (): Promise<Record<string, unknown[]>> => {
    const tables: Record<string, unknown[]> = {};
    for (const table of DATA_TABLES) tables[table] = await database.query(`SELECT * FROM ${table} ORDER BY 1`);
    return tables;
  };
  const cli = async (args: string[]): Promise<NodeProcess> => {
    const process = new NodeProcess(CLI_MAIN, testEnv(database, redis), args);
    await process.exited;
    return process;
  };
  const reportOf = (process: NodeProcess): LegacyImportReport =>
    JSON.parse(process.stdout.trim().split('\n').at(-1) ?? '{}') as LegacyImportReport;
  const raceRows = (date: string, meet: 1 | 2 | 3, raceNo: number): ResultRow[] => {
    const race = world.race(date.replaceAll('-', ''), meet, raceNo);
    if (!race) throw new Error(`no sandbox race ${date} ${meet} ${raceNo}`);
    return race.rows;
  };

  beforeAll(async () => {
    await database.create();
    dataSource = await new DataSource(
      dataSourceOptions(testConfig(database, redis).database, 'legacy-import-test'),
    ).initialize();
    await runMigrationsLocked(dataSource);
    importer = new LegacyImporter(new RaceData(dataSource));
    sandbox = await createKraSandbox();
    world = sandbox.world;
    scratch = await mkdtemp(join(tmpdir(), 'legacy-import-'));
    // From the fixture day: its Busan race 1 is the captured race (the fixture's rows).
    tree = await writeLegacyTree(join(scratch, 'tree'), world, { from: '2025-05-23', races: 110 });
    first = await importer.import(join(scratch, 'tree'));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await sandbox?.close();
    await database.drop();
    await redis.clear();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('should import every race and runner of a generated tree with the values of its files', async () => {
    expect(tree.files).toBeGreaterThanOrEqual(200);
    expect(first).toMatchObject({
      files: tree.files,
      races: tree.races,
      imported: tree.races,
      unchanged: 0,
      failed: 0,
      failures: [],
      ok: true,
    });

    const [{ races }] = await database.query<{ races: number }>(
      `SELECT count(*)::int AS races FROM races WHERE status = 'entries' AND entries_collected_at IS NOT NULL`,
    );
    expect(races).toBe(tree.races);
    const stored = new Map((await database.query<Row>(RUNNERS_SQL)).map((row) => [row.key as string, row]));
    const expected = treeItems(world, tree, tree.races).map(({ date, item }) => expectedRunner(item, date));
    expect(expected).toHaveLength(tree.runners);
    expect(stored.size).toBe(tree.runners);
    expect(expected.map((row) => stored.get(row.key as string))).toEqual(expected);
    const [{ detailed }] = await database.query<{ detailed: number }>(
      `SELECT count(*)::int AS detailed FROM races WHERE details_collected_at IS NOT NULL`,
    );
    expect(detailed).toBe(tree.races);
  });

  it('should keep the captured race exactly as the fixture has it', async () => {
    const fixture = JSON.parse(await readFile(FIXTURE_PATH, 'utf8')) as {
      response: { body: { items: { item: TreeItem[] } } };
    };
    const captured = fixture.response.body.items.item.find((item) => item.chulNo === 10) as TreeItem;
    const [row] = await database.query<Row>(
      `SELECT h.name AS horse, e.hr_no, e.jk_no, e.tr_no, e.ow_no, e.carried_weight_kg::float8 AS carried, e.body_weight_kg::float8 AS body,
              e.body_weight_change::float8 AS change, e.equipment, e.days_since_last_start AS ilsu, r.name AS race, r.distance_m, r.race_class,
              r.prizes::float8[] AS prizes, r.weather, r.going
         FROM entries e JOIN races r ON r.id = e.race_id JOIN horses h ON h.hr_no = e.hr_no
        WHERE r.race_date = '2025-05-23' AND r.meet = 3 AND r.race_no = 1 AND e.gate_no = 10`,
    );
    expect(row).toEqual({
      horse: captured.hrName,
      hr_no: captured.hrNo,
      jk_no: captured.jkNo,
      tr_no: captured.trNo,
      ow_no: itemText(captured.owNo),
      carried: captured.wgBudam,
      body: 511,
      change: 2,
      equipment: captured.hrTool,
      ilsu: captured.ilsu,
      race: captured.rcName,
      distance_m: captured.rcDist,
      race_class: captured.rank,
      prizes: [1, 2, 3, 4, 5].map((place) => captured[`chaksun${place}`]),
      weather: null,
      going: null,
    });
    // The captured horse master (API8_2 fixture) reached the horses table.
    const [horse] = await database.query<Row>(
      `SELECT sire_no, dam_no, total_prize::float8 AS total_prize FROM horses WHERE hr_no = '0051228'`,
    );
    expect(horse).toEqual({ sire_no: '0031261', dam_no: '0031853', total_prize: 18_750_000 });
  });

  it('should store no post-race value: no results, no dividends, no odds, no observed track', async () => {
    const [counts] = await database.query<Row>(
      `SELECT (SELECT count(*)::int FROM results) AS results, (SELECT count(*)::int FROM dividends) AS dividends,
              (SELECT count(*)::int FROM races WHERE weather IS NOT NULL OR going IS NOT NULL OR moisture_percent IS NOT NULL
                                                  OR results_collected_at IS NOT NULL OR status <> 'entries') AS observed,
              (SELECT count(*)::int FROM entries WHERE scratched) AS scratched,
              (SELECT count(*)::int FROM upstream_responses WHERE service <> 'legacy') AS others,
              (SELECT count(*)::int FROM upstream_responses WHERE body::text ~* '(odds|"ord|rcTime|diffUnit|ordBigo|weather|track|sectional)') AS leaking`,
    );
    expect(counts).toEqual({ results: 0, dividends: 0, observed: 0, scratched: 0, others: 0, leaking: 0 });
    // Every stored row points to the race's own legacy response.
    const [{ orphans }] = await database.query<{ orphans: number }>(
      `SELECT count(*)::int AS orphans FROM entries e JOIN races r ON r.id = e.race_id JOIN upstream_responses u ON u.id = e.source_id
        WHERE u.service <> 'legacy' OR u.params->>'race' <> to_char(r.race_date, 'YYYY-MM-DD') || '/' || r.meet || '/' || r.race_no OR r.source_id <> e.source_id`,
    );
    expect(orphans).toBe(0);
  });

  it('should import irregular files: a single item as an object, missing or empty details, numbers as strings', async () => {
    const root = join(scratch, 'irregular');
    const date = '2025-07-12';
    const day = world.raceDay('20250712', 1);
    const [one, two, three] = day.races.map((race) => race.plan.rcNo);
    // Race 1: a `_prerace` file of one runner, `item` an object rather than an array.
    const [single] = preraceItems(raceRows(date, 1, one));
    const envelope = {
      response: {
        header: { resultCode: '00', resultMsg: 'NORMAL SERVICE.' },
        body: { items: { item: single }, numOfRows: 1, pageNo: 1, totalCount: 1 },
      },
    };
    await writeLegacyFile(root, { date, meet: 1, raceNo: one }, 'prerace', JSON.stringify(envelope));
    // Race 2: details missing, empty, null.
    const irregular = enrichedItems(world, raceRows(date, 1, two), detailsAsOf(date));
    irregular[0].hrDetail = {};
    delete irregular[1].jkDetail;
    irregular[2].trDetail = null;
    await writeLegacyFile(root, { date, meet: 1, raceNo: two }, 'enriched', irregular);
    // Race 3: every number a string, in both files.
    const stringly = numbersAsStrings(enrichedItems(world, raceRows(date, 1, three), detailsAsOf(date))) as TreeItem[];
    await writeLegacyFile(root, { date, meet: 1, raceNo: three }, 'enriched', stringly);
    await writeLegacyFile(
      root,
      { date, meet: 1, raceNo: three },
      'prerace',
      numbersAsStrings(preraceItems(raceRows(date, 1, three))) as TreeItem[],
    );

    const report = await importer.import(root);
    expect(report).toMatchObject({ files: 4, races: 3, imported: 3, failures: [], ok: true });

    const stored = new Map(
      (await database.query<Row>(`${RUNNERS_SQL} WHERE r.race_date = $1 AND r.meet = 1`, [date])).map((row) => [
        row.key as string,
        row,
      ]),
    );
    expect(stored.get(`${date}/1/${one}/${Number(single.chulNo)}`)).toMatchObject({
      hr_no: single.hrNo,
      carried_weight_kg: single.wgBudam,
      s_horse: null,
    });
    const [noHorse, noJockey, noTrainer] = irregular.map((item) =>
      stored.get(`${date}/1/${two}/${Number(item.chulNo)}`),
    );
    expect(noHorse).toMatchObject({ s_horse: null, s_jockey: expect.any(Object), s_trainer: expect.any(Object) });
    expect(noJockey).toMatchObject({ s_horse: expect.any(Object), s_jockey: null, s_trainer: expect.any(Object) });
    expect(noTrainer).toMatchObject({ s_horse: expect.any(Object), s_jockey: expect.any(Object), s_trainer: null });
    for (const item of enrichedItems(world, raceRows(date, 1, three), detailsAsOf(date))) {
      expect(stored.get(`${date}/1/${three}/${Number(item.chulNo)}`)).toEqual(expectedRunner(item, date));
    }

    // The same race with numbers as numbers stores the same values: it is unchanged.
    const regular = join(scratch, 'regular');
    await writeLegacyFile(
      regular,
      { date, meet: 1, raceNo: three },
      'enriched',
      enrichedItems(world, raceRows(date, 1, three), detailsAsOf(date)),
    );
    await writeLegacyFile(regular, { date, meet: 1, raceNo: three }, 'prerace', preraceItems(raceRows(date, 1, three)));
    expect(await importer.import(regular)).toMatchObject({ races: 1, imported: 0, unchanged: 1, ok: true });
  });

  it('should report each broken file by path and reason, import everything else, and exit 1', async () => {
    const root = join(scratch, 'broken');
    const date = '2025-07-19';
    const races = world.raceDay('20250719', 1).races.map((race) => race.plan.rcNo);
    expect(races.length).toBeGreaterThanOrEqual(9);
    const ref = (index: number): { date: string; meet: number; raceNo: number } => ({
      date,
      meet: 1,
      raceNo: races[index],
    });
    const prerace = (index: number): TreeItem[] => preraceItems(raceRows(date, 1, races[index]));
    for (const index of [0, 1]) {
      await writeLegacyFile(root, ref(index), 'prerace', prerace(index));
      await writeLegacyFile(
        root,
        ref(index),
        'enriched',
        enrichedItems(world, raceRows(date, 1, races[index]), detailsAsOf(date)),
      );
    }
    const valid = await readFile(join(root, `2025/07/20250719/seoul/race_1_20250719_${races[0]}_prerace.json`), 'utf8');
    const truncated = await writeLegacyFile(root, ref(2), 'prerace', valid.slice(0, Math.floor(valid.length / 2)));
    const wrongEnvelope = await writeLegacyFile(
      root,
      ref(3),
      'prerace',
      JSON.stringify({ header: { resultCode: '00' }, items: prerace(3) }),
    );
    const duplicate = prerace(4);
    duplicate[1].chulNo = duplicate[0].chulNo;
    const duplicatePath = await writeLegacyFile(root, ref(4), 'prerace', duplicate);
    const badWeight = prerace(5);
    badWeight[2].wgBudam = 'abc';
    const badWeightPath = await writeLegacyFile(root, ref(5), 'prerace', badWeight);
    const empty = await writeLegacyFile(root, ref(6), 'prerace', '');
    const unreadable = await writeLegacyFile(root, ref(7), 'prerace', prerace(7));
    // Root reads any file whatever its mode: there a directory named like a race file stands in.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await rm(unreadable);
      await mkdir(unreadable);
    } else {
      await chmod(unreadable, 0o000);
    }
    const badName = join(root, '2025/07/20250719/seoul/race_1_20250719_x_prerace.json');
    await writeFile(badName, valid);
    const misplaced = join(root, '2025/07/20250719/race_1_20250719_1_prerace.json');
    await writeFile(misplaced, valid);

    const run = await cli(['import-legacy', root]);
    if (!asRoot) await chmod(unreadable, 0o644);
    expect(run.child.exitCode, run.stderr).toBe(1);
    const report = reportOf(run);
    const reasons = Object.fromEntries(report.failures.map((failure) => [failure.path, failure.reason]));
    expect(reasons).toEqual({
      [truncated]: expect.stringMatching(/^not valid JSON: /),
      [wrongEnvelope]: 'not an API214_1 envelope: no "response" object',
      [duplicatePath]: `chulNo ${Number(duplicate[0].chulNo)} appears more than once`,
      [empty]: 'empty file (0 bytes)',
      [unreadable]: asRoot
        ? expect.stringMatching(/^cannot be read: EISDIR/)
        : expect.stringMatching(/^cannot be read: EACCES/),
      [badName]:
        'file name "race_1_20250719_x_prerace.json" is not race_<meet>_<YYYYMMDD>_<raceNo>_<prerace|enriched>.json',
      [misplaced]:
        '"race_1_20250719_1_prerace.json" belongs in 2025/07/20250719/seoul/, not in broken/2025/07/20250719/',
    });
    for (const [path, reason] of Object.entries(reasons)) expect(run.stderr).toContain(`FAILED ${path}: ${reason}`);
    // A runner's odd value is a warning on that runner: its race imports.
    expect(report.warnings).toEqual([
      {
        path: badWeightPath,
        chulNo: Number(badWeight[2].chulNo),
        field: 'wgBudam',
        value: 'abc',
        reason: 'is not a number',
      },
    ]);
    expect(run.stderr).toContain(
      `WARNING ${badWeightPath} chulNo ${Number(badWeight[2].chulNo)} wgBudam "abc": is not a number`,
    );
    expect(report).toMatchObject({ files: 12, races: 8, imported: 3, unchanged: 0, failed: 5, ok: false });
    expect(run.stderr).toContain('imported 3, skipped as unchanged 0, failed 5');
    // Plain progress lines off a terminal.
    expect(run.stderr).toContain('import: 12/12 files');
    expect(run.stderr).not.toContain('\r');

    const imported = await database.query<{ race_no: number; entries: number }>(
      `SELECT r.race_no, count(e.id)::int AS entries FROM races r LEFT JOIN entries e ON e.race_id = r.id WHERE r.race_date = $1 AND r.meet = 1 GROUP BY r.race_no ORDER BY r.race_no`,
      [date],
    );
    expect(imported).toEqual([0, 1, 5].map((index) => ({ race_no: races[index], entries: prerace(index).length })));
  });

  it('should import a tree as the old scripts really wrote it, with exit 0: every body-weight form, compact and raw details, a summary file', async () => {
    const root = join(scratch, 'real');
    const date = '2025-07-26';
    const races = world.raceDay('20250726', 1).races.map((race) => race.plan.rcNo);
    const rows = (index: number): ResultRow[] => raceRows(date, 1, races[index]);
    const ref = (index: number): { date: string; meet: number; raceNo: number } => ({
      date,
      meet: 1,
      raceNo: races[index],
    });
    // Race 1: every form of wgHr the scripts wrote, and their compact details.
    const forms = ['0()', '461()', '0', '-', '']; // the rest of the runners keep "NNN(+d)"
    const withForms = (items: TreeItem[]): TreeItem[] =>
      items.map((item, index) =>
        index < forms.length
          ? { ...item, wgHr: index === 1 ? `${Number.parseInt(itemText(item.wgHr), 10)}()` : forms[index] }
          : item,
      );
    const compact = withForms(enrichedItems(world, rows(0), detailsAsOf(date))).map(compactDetails);
    await writeLegacyFile(root, ref(0), 'prerace', withForms(preraceItems(rows(0))));
    await writeLegacyFile(root, ref(0), 'enriched', compact);
    // Race 2: raw details (API8_2 / API12_1 / API19_1 items), as the captures hold them.
    const raw = enrichedItems(world, rows(1), detailsAsOf(date));
    await writeLegacyFile(root, ref(1), 'enriched', raw);
    // Race 3: one odd runner.
    const odd = preraceItems(rows(2));
    odd[1].rating = 'N/A';
    const oddPath = await writeLegacyFile(root, ref(2), 'prerace', odd);
    // The scripts' own summary, at the top of the tree.
    const summaryPath = join(root, '_processing_summary.json');
    await writeFile(
      summaryPath,
      JSON.stringify({
        stats: { total: 3, success: 3, failed: 0 },
        details: [{ date: '20250726', meet: 1, races: 3 }],
      }),
    );

    const run = await cli(['import-legacy', root]);
    expect(run.child.exitCode, run.stderr).toBe(0);
    const report = reportOf(run);
    expect(report).toMatchObject({ files: 5, races: 3, imported: 3, failed: 0, failures: [], ok: true });
    expect(report.skipped).toEqual([
      { path: summaryPath, reason: 'a summary file of the old scripts, not a race file' },
    ]);
    expect(report.warnings).toEqual([
      { path: oddPath, chulNo: Number(odd[1].chulNo), field: 'rating', value: 'N/A', reason: 'is not a number' },
    ]);
    expect(run.stderr).toContain(`SKIPPED ${summaryPath}`);
    expect(run.stderr).toContain('ok (1 warning(s))');

    const stored = new Map(
      (await database.query<Row>(`${RUNNERS_SQL} WHERE r.race_date = $1 AND r.meet = 1`, [date])).map((row) => [
        row.key as string,
        row,
      ]),
    );
    const at = (index: number, item: TreeItem): Row | undefined =>
      stored.get(`${date}/1/${races[index]}/${Number(item.chulNo)}`);
    // Body weights: "0()", "0", "-" and "" unknown; "NNN()" the weight with no change; "NNN(+d)" both.
    const weights = compact.map((item) => [at(0, item)?.body_weight_kg, at(0, item)?.body_weight_change]);
    const weighed = /^(\d+)\(([+-]?\d+)\)$/;
    expect(weights).toEqual(
      compact.map((item, index) =>
        index === 1
          ? [Number.parseInt(itemText(item.wgHr), 10), null]
          : index < forms.length
            ? [null, null]
            : weighed.exec(itemText(item.wgHr))?.slice(1).map(Number),
      ),
    );
    // Compact details: the figures they carry, the names and links from the runner row.
    for (const item of enrichedItems(world, rows(0), detailsAsOf(date))) {
      const expected = expectedRunner(item, date);
      expect(at(0, item)).toMatchObject({
        s_horse: { ...(expected.s_horse as Row), raceClass: null },
        s_jockey: expected.s_jockey,
        s_trainer: expected.s_trainer,
      });
    }
    const [first] = compact;
    const [horse] = await database.query<Row>(
      'SELECT sire_no, dam_no, sire_name, dam_name, sex, meet, tr_no, ow_no FROM horses WHERE hr_no = $1',
      [first.hrNo],
    );
    const rawHorse = (enrichedItems(world, rows(0), detailsAsOf(date))[0].hrDetail ?? {}) as Row;
    expect(horse).toEqual({
      sire_no: rawHorse.faHrNo,
      dam_no: rawHorse.moHrNo,
      sire_name: rawHorse.faHrName,
      dam_name: rawHorse.moHrName,
      sex: first.sex,
      meet: 1,
      tr_no: first.trNo,
      ow_no: itemText(first.owNo),
    });
    // Raw details as before.
    for (const item of raw) expect(at(1, item)).toEqual(expectedRunner(item, date));
    expect(at(2, odd[1])).toMatchObject({ rating: null, hr_no: odd[1].hrNo });
  });

  it('should change nothing, not even a timestamp, when the same tree is imported again, and say so', async () => {
    const before = await dump();
    const run = await cli(['import-legacy', join(scratch, 'tree')]);
    expect(run.child.exitCode, run.stderr).toBe(0);
    expect(reportOf(run)).toMatchObject({ races: tree.races, imported: 0, unchanged: tree.races, failed: 0, ok: true });
    expect(run.stderr).toContain(`imported 0, skipped as unchanged ${tree.races}, failed 0`);
    expect(await dump()).toEqual(before);
  });

  it('should keep the newest figures of a trainer, jockey and horse whatever order the files are imported in', async () => {
    // Two Jeju race weekends a week apart (in the simulated world, careers grow between them), the
    // later one imported first. (Within one tree, workers import race days in no fixed order.)
    const later = await writeLegacyTree(join(scratch, 'later'), world, { from: '2025-10-17', races: 16, meets: [2] });
    const earlier = await writeLegacyTree(join(scratch, 'earlier'), world, {
      from: '2025-10-10',
      races: 16,
      meets: [2],
    });
    expect(later.days[0].date > earlier.last).toBe(true);
    const figures = (tree: LegacyTreeSummary): Map<string, unknown> => {
      const byPerson = new Map<string, unknown>();
      for (const { item } of treeItems(world, tree, tree.races)) {
        const trainer = item.trDetail as TreeItem;
        const jockey = item.jkDetail as TreeItem;
        const horse = item.hrDetail as TreeItem;
        byPerson.set(`trainer ${String(item.trNo)}`, trainer.rcCntT);
        byPerson.set(`jockey ${String(item.jkNo)}`, jockey.rcCntT);
        byPerson.set(`horse ${String(item.hrNo)}`, horse.rcCntT);
      }
      return byPerson;
    };
    const newest = figures(later);
    const older = figures(earlier);
    // People in both trees whose figures moved between the two days: what the test is about.
    const moved = [...newest.keys()].filter((key) => older.has(key) && older.get(key) !== newest.get(key));
    expect(moved.filter((key) => key.startsWith('trainer')).length).toBeGreaterThan(5);
    expect(moved.filter((key) => key.startsWith('jockey')).length).toBeGreaterThan(5);
    const stored = async (): Promise<Map<string, unknown>> => {
      const rows = await database.query<{ key: string; starts: unknown }>(
        `SELECT 'trainer ' || tr_no AS key, (career -> 'career' ->> 'starts')::int AS starts FROM trainers
          UNION ALL SELECT 'jockey ' || jk_no, (career -> 'career' ->> 'starts')::int FROM jockeys
          UNION ALL SELECT 'horse ' || hr_no, (career -> 'career' ->> 'starts')::int FROM horses`,
      );
      return new Map(rows.map((row) => [row.key, row.starts]));
    };

    expect((await importer.import(join(scratch, 'later'))).failures).toEqual([]);
    expect((await importer.import(join(scratch, 'earlier'))).failures).toEqual([]);
    const afterBoth = await stored();
    expect(moved.map((key) => [key, afterBoth.get(key)])).toEqual(moved.map((key) => [key, newest.get(key)]));
    const [{ detailsAt }] = await database.query<{ detailsAt: Date }>(
      `SELECT details_at AS "detailsAt" FROM trainers WHERE tr_no = $1`,
      [moved.find((key) => key.startsWith('trainer'))?.slice('trainer '.length)],
    );
    expect(detailsAt.getTime()).toBeGreaterThanOrEqual(new Date(`${later.days[0].date}T00:00:00+09:00`).getTime());
  });

  it('should write nothing with --dry-run, and report what it would import', async () => {
    const root = join(scratch, 'dry');
    const next = await writeLegacyTree(root, world, { from: '2025-08-01', races: 12 });
    // One race already imported (and unchanged) among new ones.
    await writeLegacyFile(
      root,
      { date: '2025-05-23', meet: 3, raceNo: 1 },
      'prerace',
      preraceItems(raceRows('2025-05-23', 3, 1)),
    );
    await writeLegacyFile(
      root,
      { date: '2025-05-23', meet: 3, raceNo: 1 },
      'enriched',
      enrichedItems(world, raceRows('2025-05-23', 3, 1), detailsAsOf('2025-05-23')),
    );
    const before = await dump();
    const run = await cli(['import-legacy', root, '--dry-run']);
    expect(run.child.exitCode, run.stderr).toBe(0);
    expect(reportOf(run)).toMatchObject({
      dryRun: true,
      files: next.files + 2,
      races: next.races + 1,
      imported: next.races,
      unchanged: 1,
      ok: true,
    });
    expect(run.stderr).toContain('(dry run: nothing written)');
    expect(await dump()).toEqual(before);
  });

  it('should find the database unchanged after import → export → import', async () => {
    const exported = join(scratch, 'exported');
    const exporter = new LegacyExporter(new LegacyRaceBuilder(new RaceReadService(dataSource)));
    const last = tree.days.at(-1)?.date ?? tree.last;
    const exportReport = await exporter.export(exported, { from: '2025-05-23', to: last });
    expect(exportReport.failures).toEqual([]);
    const before = await dump();
    const again = await importer.import(exported);
    expect(again).toMatchObject({ failures: [], imported: 0, failed: 0, ok: true });
    expect(again.unchanged).toBe(exportReport.races);
    expect(await dump()).toEqual(before);
  });

  it('should store a race day exactly as the collector stores it from the gateway, bar what the files cannot say', async () => {
    // The same sandbox day, once collected through the KRA client (entry sheet, race plan, details)
    // into a database of its own, once imported from legacy files built from the same sandbox into
    // another (this file's database holds newer figures of the same people, which an import keeps).
    const collected = new TestDatabase();
    const imported = new TestDatabase();
    await collected.create();
    await imported.create();
    const clock = new Date('2025-06-08T00:00:00Z'); // the day after: everything published
    const gateway = await createKraSandbox({ now: () => clock });
    await gateway.listen();
    const client = await kraClient(gateway.url, 'sandbox-service-key');
    const collectedSource = await new DataSource(
      dataSourceOptions(testConfig(collected, redis).database, 'legacy-import-collected'),
    ).initialize();
    const importedSource = await new DataSource(
      dataSourceOptions(testConfig(imported, redis).database, 'legacy-import-imported'),
    ).initialize();
    try {
      await runMigrationsLocked(collectedSource);
      await runMigrationsLocked(importedSource);
      const day = { date: '2025-06-07', meet: 1 };
      const report = await new CollectionService(
        client.client,
        new RaceData(collectedSource),
        undefined,
        () => clock,
      ).collectDay({ ...day, details: true });
      expect(report.failures).toEqual([]);
      const root = join(scratch, 'collected-day');
      for (const race of gateway.world.raceDay('20250607', 1).races) {
        const ref = { ...day, raceNo: race.plan.rcNo };
        await writeLegacyFile(root, ref, 'prerace', preraceItems(race.rows));
        // Looked up when the collector looked them up.
        await writeLegacyFile(root, ref, 'enriched', enrichedItems(gateway.world, race.rows, clock));
      }
      expect(await new LegacyImporter(new RaceData(importedSource)).import(root)).toMatchObject({
        failures: [],
        ok: true,
      });

      const compare = async (sql: string): Promise<void> => {
        const [fromFiles, fromGateway] = [
          await imported.query(sql, [day.date, day.meet]),
          await collected.query(sql, [day.date, day.meet]),
        ];
        expect(fromFiles.length).toBeGreaterThan(0);
        // Scratched runners are on the collector's entry sheet, and not in `_prerace` files.
        expect(fromGateway).toEqual(expect.arrayContaining(fromFiles));
      };
      // Races: everything but the scheduled start and the sex condition (API72_2 only), and the timestamps.
      await compare(`SELECT race_no, name, distance_m, race_class, age_condition, weight_condition, prize_condition, prizes, status,
                            entries_collected_at IS NOT NULL AS entries, details_collected_at IS NOT NULL AS details
                       FROM races WHERE race_date = $1 AND meet = $2`);
      // Entries: everything but the body weight (announced on race day: only the files have it) and the source.
      await compare(`SELECT r.race_no, e.gate_no, e.hr_no, e.jk_no, e.tr_no, e.ow_no, e.age, e.sex, e.origin, e.carried_weight_kg, e.rating,
                            e.equipment, e.days_since_last_start, e.scratched, s.horse, s.jockey, s.trainer, s.taken_before_start
                       FROM entries e JOIN races r ON r.id = e.race_id LEFT JOIN entry_snapshots s ON s.entry_id = e.id
                      WHERE r.race_date = $1 AND r.meet = $2`);
      // The day's people, with their details: every column but the source and the timestamps.
      for (const [table, key] of [
        ['horses', 'hr_no'],
        ['jockeys', 'jk_no'],
        ['trainers', 'tr_no'],
        ['owners', 'ow_no'],
      ]) {
        await compare(`SELECT to_jsonb(t) - 'source_id' - 'details_at' - 'updated_at' AS row FROM ${table} t
                        WHERE t.${key} IN (SELECT e.${key} FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2)`);
      }
    } finally {
      await collectedSource.destroy();
      await importedSource.destroy();
      await client.close();
      await gateway.close();
      await collected.drop();
      await imported.drop();
    }
  });

  it('should exit 2 for a directory that does not exist', async () => {
    const run = await cli(['import-legacy', join(scratch, 'missing')]);
    expect(run.child.exitCode).toBe(2);
    expect(run.stderr).toContain('is not a directory');
    expect(run.stderr).toContain('npm run cli -- import-legacy <dir>');
  });
});
