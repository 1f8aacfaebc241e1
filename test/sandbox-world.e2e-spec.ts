import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { addDays, kstInstant, meetsRacingOn } from '@app/calendar';
import { createKraSandbox, KraSandbox, queryService, Rng, WORLD_START } from '@app/kra-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const STATS = resolve(__dirname, '../dist/apps/kra-sandbox/src/stats.js');

describe('npm run sandbox:stats', () => {
  it("should print the world's statistics over a period", () => {
    const run = spawnSync(
      process.execPath,
      [STATS, '--from', '2022-03-01', '--to', '2022-03-31', '--seed', 'stats-test'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^world seed stats-test, simulated from 20220101 to 20220331/);
    expect(run.stdout).toMatch(/races \d+ \(and \d+ cancelled\), runners \d+, mean field \d+\.\d\d/);
    expect(run.stdout).toMatch(/market favourite: wins \d+\.\d%, top 3 \d+\.\d%/);
    expect(run.stdout).toMatch(/top-rated runner wins \d+\.\d%/);
    expect(run.stdout).toMatch(/ {2}30\+ +\d+ runners/);
    expect(run.stdout).toContain('market calibration error (ECE, 10 bins)');
    expect(run.stdout).toContain('first starters');

    const late = spawnSync(
      process.execPath,
      [STATS, '--from', '2024-03-01', '--to', '2024-03-31', '--seed', 'stats-test', '--world-start', '2024-01-01'],
      { encoding: 'utf8' },
    );
    expect(late.status, late.stderr).toBe(0);
    expect(late.stdout).toMatch(/^world seed stats-test, simulated from 20240101 to 20240331/);
  });

  it('should refuse a period it cannot show, with exit code 2', () => {
    for (const args of [
      [],
      ['--from', '2021-12-31', '--to', '2022-01-31'],
      ['--from', '2022-02-01', '--to', '2022-01-01'],
      ['--from', '2024-03-01', '--to', '2024-03-31', '--world-start', '2024-04-01'],
      ['--from', '2024-03-01', '--to', '2024-03-31', '--world-start', '2024-02-30'],
    ]) {
      const run = spawnSync(process.execPath, [STATS, ...args], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/--(from|to|world-start)/);
    }
  });
});

describe("the history world's first day", () => {
  it('should simulate from the day asked: no history world before it, a world of its own after it', async () => {
    await expect(createKraSandbox({ worldStart: '2027-07-01' })).rejects.toThrow(/worldStart must be a date/);
    await expect(createKraSandbox({ worldStart: '2025-02-30' })).rejects.toThrow(/worldStart must be a date/);
    const late = await createKraSandbox({ worldStart: '2026-01-01', fixturesDir: null });
    const usual = await createKraSandbox({ fixturesDir: null });
    try {
      await Promise.all([late.listen(), usual.listen()]);
      const truth = async (sandbox: KraSandbox, path: string): Promise<Response> =>
        fetch(`${sandbox.url.replace(/\/B551015$/, '')}/_sandbox/truth/${path}`);
      // Before its start the late world has no history: its days are the classic world's.
      expect((await truth(late, '2025-06-01/1/1')).status).toBe(404);
      expect((await truth(usual, '2025-06-01/1/1')).status).toBe(200);
      // After it, a world of its own: its horses have raced only since 2026.
      const meanStarts = (sandbox: KraSandbox): number => {
        const items = queryService(sandbox.world, 'API214_1', { rc_date: '20260606', meet: '1' }, new Date());
        if (items.kind !== 'items') throw new Error('no race day');
        const horses = [...new Set(items.items.map((item) => String(item.hrNo)))];
        let total = 0;
        for (const hrNo of horses) {
          const horse = queryService(sandbox.world, 'API8_2', { hr_no: hrNo }, kstInstant('20260605', '0000'));
          if (horse.kind === 'items') total += Number(horse.items[0]?.rcCntT ?? 0);
        }
        return total / horses.length;
      };
      expect((await truth(late, '2026-06-06/1/1')).status).toBe(200);
      expect(meanStarts(late)).toBeLessThan(meanStarts(usual));
    } finally {
      await Promise.all([late.close(), usual.close()]);
    }
  }, 60_000);
});

describe('the captured race in the history world', () => {
  it("should count the simulated race it replaces in nobody's career", async () => {
    const captured = await createKraSandbox();
    const bare = await createKraSandbox({ fixturesDir: null });
    try {
      await Promise.all([captured.listen(), bare.listen()]);
      const truth = (sandbox: KraSandbox): Promise<Response> =>
        fetch(`${sandbox.url.replace(/\/B551015$/, '')}/_sandbox/truth/2025-05-23/3/1`);
      // Served from the capture: the world has no truth of it.
      expect((await truth(captured)).status).toBe(404);
      // Without the capture the world serves its own race there: those runners, in both worlds.
      const replaced = (await (await truth(bare)).json()) as { runners: { hrNo: string; scratched: boolean }[] };
      const runners = replaced.runners.filter((runner) => !runner.scratched).map((runner) => runner.hrNo);
      expect(runners.length).toBeGreaterThanOrEqual(5);
      const starts = (sandbox: KraSandbox, hrNo: string, date: string): [number, number] => {
        const answer = queryService(sandbox.world, 'API8_2', { hr_no: hrNo }, kstInstant(date, '0000'));
        if (answer.kind !== 'items' || answer.items.length !== 1) throw new Error(`no horse ${hrNo}`);
        return [Number(answer.items[0].rcCntT), Number(answer.items[0].rcCntY)];
      };
      for (const hrNo of runners) {
        // The same horse with the same career before the day; afterwards, one start fewer where the
        // capture was served instead of its race.
        expect(starts(captured, hrNo, '20250523'), hrNo).toEqual(starts(bare, hrNo, '20250523'));
        const [total, year] = starts(bare, hrNo, '20250530');
        expect(starts(captured, hrNo, '20250530'), hrNo).toEqual([total - 1, year - 1]);
      }
    } finally {
      await Promise.all([captured.close(), bare.close()]);
    }
  }, 60_000);
});

describe('the history world, as the gateway serves it', () => {
  let sandbox: KraSandbox;
  const figures: string[] = [];

  beforeAll(async () => {
    sandbox = await createKraSandbox({ world: 'history', fixturesDir: null });
    const first = Date.now();
    const plan = queryService(sandbox.world, 'API72_2', { rc_date: '20271226', meet: '1' }, new Date());
    figures.push(`first answer (the world simulated ${WORLD_START}..20271231): ${Date.now() - first} ms`);
    expect(plan.kind).toBe('items');
    const later = Date.now();
    queryService(sandbox.world, 'API214_1', { rc_date: '20250524', meet: '1' }, new Date());
    figures.push(
      `a later answer for another date: ${Date.now() - later} ms; RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
    );
  }, 60_000);

  afterAll(async () => {
    // Figures for the closing note; nothing here asserts a time.
    console.log(figures.join('\n'));
    await sandbox?.close();
  });

  it("should report every career count as the count of the world's own results before the date", () => {
    const world = sandbox.world;
    const rng = new Rng('careers-test');
    const dates = Array.from({ length: 10 }, () => addDays(WORLD_START, rng.int(200, 2000)));
    const last = dates.reduce((a, b) => (a > b ? a : b));
    // Every result row API214_1 serves, from the world's start to the last date.
    const results: { date: string; hrNo: string; jkNo: string; trNo: string; ord: number }[] = [];
    for (let rcDate = WORLD_START; rcDate <= last; rcDate = addDays(rcDate, 1)) {
      for (const meet of meetsRacingOn(rcDate)) {
        const answer = queryService(
          world,
          'API214_1',
          { rc_date: rcDate, meet: String(meet) },
          new Date('2030-01-01T00:00:00Z'),
        );
        if (answer.kind !== 'items') continue;
        // A start is any runner that went off: placed, disqualified (91) or pulled up (92); not a
        // scratched one (95), nor a race that was not run (0).
        for (const row of answer.items)
          if (Number(row.ord) >= 1 && Number(row.ord) !== 95)
            results.push({
              date: rcDate,
              hrNo: String(row.hrNo),
              jkNo: String(row.jkNo),
              trNo: String(row.trNo),
              ord: Number(row.ord),
            });
      }
    }
    const sample = <T>(items: T[], n: number): T[] => rng.shuffle(items).slice(0, n);
    const cases = [
      { service: 'API8_2' as const, param: 'hr_no', field: 'hrNo' as const, ids: sample(world.horses(), 50) },
      { service: 'API12_1' as const, param: 'jk_no', field: 'jkNo' as const, ids: sample(world.jockeys(), 50) },
      { service: 'API19_1' as const, param: 'tr_no', field: 'trNo' as const, ids: sample(world.trainers(), 50) },
    ];
    let checked = 0;
    for (const date of dates) {
      const asOf = kstInstant(date, '0000');
      for (const { service, param, field, ids } of cases) {
        for (const { id } of ids) {
          const answer = queryService(world, service, { [param]: id }, asOf);
          if (answer.kind !== 'items') throw new Error(`${service} ${id}: ${answer.code}`);
          const [item] = answer.items;
          const before = results.filter((row) => row[field] === id && row.date < date);
          const thisYear = before.filter((row) => row.date.slice(0, 4) === date.slice(0, 4));
          const count = (rows: typeof before, ord?: number): number =>
            ord === undefined ? rows.length : rows.filter((row) => row.ord === ord).length;
          expect(
            [
              item.rcCntT,
              item.ord1CntT,
              item.ord2CntT,
              item.ord3CntT,
              item.rcCntY,
              item.ord1CntY,
              item.ord2CntY,
              item.ord3CntY,
            ],
            `${service} ${id} on ${date}`,
          ).toEqual([
            count(before),
            count(before, 1),
            count(before, 2),
            count(before, 3),
            count(thisYear),
            count(thisYear, 1),
            count(thisYear, 2),
            count(thisYear, 3),
          ]);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(10 * 150);
    // Most of the sample has raced by then: the check is not vacuous.
    expect(results.length).toBeGreaterThan(100_000);
  }, 120_000);

  it("should give API299's counts of a runner as its masters give them on race day", () => {
    const answer = queryService(
      sandbox.world,
      'API299',
      { rc_date: '20250524', meet: '1' },
      new Date('2030-01-01T00:00:00Z'),
    );
    if (answer.kind !== 'items') throw new Error(answer.code);
    expect(answer.items.length).toBeGreaterThan(50);
    for (const row of answer.items.slice(0, 30)) {
      const [horse] = (
        queryService(sandbox.world, 'API8_2', { hr_no: String(row.hrNo) }, kstInstant('20250524', '0000')) as {
          items: Record<string, unknown>[];
        }
      ).items;
      expect([row.rcCntT, row.ord1CntT, row.rcCntY]).toEqual([horse.rcCntT, horse.ord1CntT, horse.rcCntY]);
    }
  });

  it('should tell the truth of a race: win probabilities that sum to one, and the hidden factors', async () => {
    await sandbox.listen(0);
    const base = sandbox.url.replace(/\/B551015$/, '');
    const response = await fetch(`${base}/_sandbox/truth/2025-05-24/1/3`);
    expect(response.status).toBe(200);
    const truth = (await response.json()) as {
      runners: { winProbability: number; hrNo: string; ability: number; runningStyle: number }[];
    };
    expect(truth.runners.length).toBeGreaterThanOrEqual(5);
    expect(truth.runners.reduce((sum, runner) => sum + runner.winProbability, 0)).toBeCloseTo(1, 6);
    expect(truth.runners[0]).toMatchObject({
      hrNo: expect.any(String),
      ability: expect.any(Number),
      runningStyle: expect.any(Number),
    });
    expect((await fetch(`${base}/_sandbox/truth/2019-05-24/1/3`)).status).toBe(404);
  });
});
