import { FEATURE_VERSION, FeaturesRepository, FeaturesService, RaceFeatures, RunnerFeatures } from '@app/analysis';
import { DataSource } from 'typeorm';
import { createKraSandbox, KraSandbox, Rng } from '@app/kra-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { JobsApi } from './support/jobs-api';
import { ADMIN_KEY, testConfig, TestRedisPrefix } from './support/infra';
import { ANALYSIS_SEASON, analysisSeason, collectMore, Season } from './support/season';

/** The race day whose features are computed before its results and the weeks after it are collected. */
const TARGET = '2025-05-24';
const MEETS = ANALYSIS_SEASON.meets;

/** A start as the test reads it, straight from the tables (independently of the analysis code). */
interface RawStart {
  date: string;
  meet: number;
  raceNo: number;
  distanceM: number;
  raceClass: string | null;
  moisture: number | null;
  prizes: number[];
  gate: number;
  hrNo: string;
  jkNo: string | null;
  trNo: string | null;
  carried: number | null;
  rating: number | null;
  position: number | null;
  status: string;
  time: number | null;
  odds: number | null;
}

const DAY_MS = 86_400_000;
const daysBetween = (a: string, b: string): number => Math.round((Date.parse(b) - Date.parse(a)) / DAY_MS);
const minusDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function tally(starts: RawStart[]): Record<string, number | null> {
  const wins = starts.filter((s) => s.position === 1).length;
  const top3 = starts.filter((s) => s.position !== null && s.position <= 3).length;
  const n = starts.length;
  return {
    starts: n,
    wins,
    top3,
    winRate: n ? round(wins / n, 4) : null,
    top3Rate: n ? round(top3 / n, 4) : null,
  };
}

function band(distance: number): string {
  return distance <= 1200 ? 'sprint' : distance <= 1600 ? 'mile' : distance <= 2000 ? 'middle' : 'long';
}

function going(moisture: number | null): string | null {
  if (moisture === null) return null;
  return moisture < 6 ? 'dry' : moisture < 10 ? 'good' : moisture < 15 ? 'wet' : 'sloppy';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(half)] : (sorted[half - 1] + sorted[half]) / 2;
}

/** The features of one runner worked out by brute force from every start before the race day. */
function bruteForce(all: RawStart[], date: string, meet: number, distance: number, runner: RunnerFeatures) {
  const before = all.filter((s) => s.date < date);
  const raceKey = (s: RawStart): string => `${s.date}|${s.meet}|${s.raceNo}`;
  const races = new Map<string, RawStart[]>();
  for (const s of before) races.set(raceKey(s), [...(races.get(raceKey(s)) ?? []), s]);
  const field = (s: RawStart): number => races.get(raceKey(s))!.length;
  const winnerTime = (s: RawStart): number | null => {
    const times = races
      .get(raceKey(s))!
      .filter((o) => o.position === 1 && o.time)
      .map((o) => o.time!);
    return times.length ? Math.min(...times) : null;
  };
  const market = (s: RawStart): number | null => {
    const race = races.get(raceKey(s))!;
    if (!race.every((o) => o.odds && o.odds > 0)) return null;
    return 1 / s.odds! / race.reduce((sum, o) => sum + 1 / o.odds!, 0);
  };
  const winners = before.filter((s) => s.position === 1 && s.time);
  const pars = new Map<string, number | null>();
  const par = (s: RawStart): number | null => {
    const key = `${s.meet}|${s.distanceM}|${going(s.moisture)}`;
    if (!pars.has(key)) {
      const same = winners.filter((w) => w.meet === s.meet && w.distanceM === s.distanceM);
      const sameGoing = same.filter((w) => going(w.moisture) !== null && going(w.moisture) === going(s.moisture));
      if (going(s.moisture) && sameGoing.length >= 3) pars.set(key, round(median(sameGoing.map((w) => w.time!)), 2));
      else pars.set(key, same.length >= 3 ? round(median(same.map((w) => w.time!)), 2) : null);
    }
    return pars.get(key)!;
  };
  const points = (s: RawStart): number | null => {
    const p = par(s);
    return s.time && p ? 100 + (1000 * (p - s.time)) / p : null;
  };
  // A class level's points: the median of its winners' points above par; a day's variant: the median
  // of its winners' points above their class's, with three or more.
  const classOf = (s: RawStart): string | null => {
    const match = s.raceClass?.match(/([1-6])등급/);
    return match ? `${s.meet}|${match[1]}` : null;
  };
  const medians = (groups: Map<string, number[]>): Map<string, number> =>
    new Map(
      [...groups].filter(([, values]) => values.length >= 3).map(([key, values]) => [key, round(median(values), 1)]),
    );
  const group = (pairs: [string | null, number | null][]): Map<string, number[]> => {
    const groups = new Map<string, number[]>();
    for (const [key, value] of pairs)
      if (key !== null && value !== null) groups.set(key, [...(groups.get(key) ?? []), value]);
    return groups;
  };
  const classPoints = medians(group(winners.map((w) => [classOf(w), points(w) === null ? null : points(w)! - 100])));
  const variants = medians(
    group(
      winners.map((w) => {
        const own = classPoints.get(classOf(w) ?? '');
        return [`${w.date}|${w.meet}`, points(w) === null || own === undefined ? null : points(w)! - 100 - own];
      }),
    ),
  );
  const figure = (s: RawStart): number | null => {
    const p = points(s);
    return p === null ? null : round(p - (variants.get(`${s.date}|${s.meet}`) ?? 0), 1);
  };
  const past = before
    .filter((s) => s.hrNo === runner.hrNo)
    .sort((a, b) => (a.date === b.date ? b.raceNo - a.raceNo : a.date < b.date ? 1 : -1));
  const last = past[0];
  const year = past.filter((s) => s.date >= minusDays(date, 365));
  const prize = (starts: RawStart[]): number =>
    starts.reduce((sum, s) => sum + (s.position && s.position <= s.prizes.length ? s.prizes[s.position - 1] : 0), 0);
  const person = (key: 'jkNo' | 'trNo', id: string | null) => {
    const theirs = before.filter((s) => id !== null && s[key] === id);
    const window = (days: number): RawStart[] => theirs.filter((s) => s.date >= minusDays(date, days));
    const priced = window(365).filter((s) => market(s) !== null);
    const expected = priced.reduce((sum, s) => sum + market(s)!, 0);
    return {
      days30: tally(window(30)),
      days90: tally(window(90)),
      days365: tally(window(365)),
      ae365: expected > 0 ? round(priced.filter((s) => s.position === 1).length / expected, 3) : null,
    };
  };
  const figures = past.map(figure).filter((f): f is number => f !== null);
  const lastThree = past
    .slice(0, 3)
    .map(figure)
    .filter((f): f is number => f !== null);
  const gateStarts = before.filter(
    (s) => s.meet === meet && band(s.distanceM) === band(distance) && s.gate === runner.gate,
  );
  const expectedWins = gateStarts.reduce((sum, s) => sum + 1 / field(s), 0);
  const level = (raceClass: string | null): number | null => {
    const match = raceClass?.match(/([1-6])등급/);
    return match ? Number(match[1]) : null;
  };
  return {
    lastStarts: past.slice(0, 6).map((s) => ({
      date: s.date,
      position: s.status === 'finished' ? s.position : null,
      status: s.status,
      fieldSize: field(s),
      gate: s.gate,
      behindWinnerS: s.time && winnerTime(s) ? round(Math.max(0, s.time - winnerTime(s)!), 1) : null,
      speedFigure: figure(s),
    })),
    daysSinceLastStart: last ? daysBetween(last.date, date) : null,
    startsLast60Days: past.filter((s) => s.date >= minusDays(date, 60)).length,
    firstStart: past.length === 0,
    career: { ...tally(past), prize: prize(past) },
    last365Days: { ...tally(year), prize: prize(year) },
    atDistance: tally(past.filter((s) => band(s.distanceM) === band(distance))),
    atMeet: tally(past.filter((s) => s.meet === meet)),
    byGoing: Object.fromEntries(
      ['dry', 'good', 'wet', 'sloppy'].map((g) => [g, tally(past.filter((s) => going(s.moisture) === g))]),
    ),
    ratingChange:
      runner.classAndWeight.rating !== null && last?.rating != null ? runner.classAndWeight.rating - last.rating : null,
    carriedWeightChange:
      runner.classAndWeight.carriedWeightKg !== null && last?.carried != null
        ? round(runner.classAndWeight.carriedWeightKg - last.carried, 1)
        : null,
    classMove:
      last && level(last.raceClass) !== null && level(runner.classAndWeight.raceClass) !== null
        ? level(last.raceClass)! - level(runner.classAndWeight.raceClass)!
        : null,
    jockey: person('jkNo', runner.jkNo),
    trainer: person('trNo', runner.trNo),
    jockeyTrainer: tally(
      before.filter(
        (s) => s.jkNo === runner.jkNo && s.trNo === runner.trNo && s.date >= minusDays(date, 365) && runner.trNo,
      ),
    ),
    jockeyHorse: tally(past.filter((s) => s.jkNo === runner.jkNo)),
    jockeyChanged: last && runner.jkNo && last.jkNo ? last.jkNo !== runner.jkNo : null,
    speed: {
      last: last ? figure(last) : null,
      best: figures.length ? Math.max(...figures) : null,
      averageLast3: lastThree.length ? round(lastThree.reduce((a, b) => a + b, 0) / lastThree.length, 1) : null,
    },
    draw: {
      starts: gateStarts.length,
      wins: gateStarts.filter((s) => s.position === 1).length,
      expectedWins: round(expectedWins, 3),
      ae: expectedWins > 0 ? round(gateStarts.filter((s) => s.position === 1).length / expectedWins, 3) : null,
    },
  };
}

/** The same fields of the computed features. */
function computed(runner: RunnerFeatures) {
  return {
    lastStarts: runner.form.lastStarts.map(
      ({ date, position, status, fieldSize, gate, behindWinnerS, speedFigure }) => ({
        date,
        position,
        status,
        fieldSize,
        gate,
        behindWinnerS,
        speedFigure,
      }),
    ),
    daysSinceLastStart: runner.form.daysSinceLastStart,
    startsLast60Days: runner.form.startsLast60Days,
    firstStart: runner.form.firstStart,
    career: runner.record.career,
    last365Days: runner.record.last365Days,
    atDistance: runner.aptitude.atDistance,
    atMeet: runner.aptitude.atMeet,
    byGoing: runner.aptitude.byGoing,
    ratingChange: runner.classAndWeight.ratingChange,
    carriedWeightChange: runner.classAndWeight.carriedWeightChange,
    classMove: runner.classAndWeight.classMove,
    jockey: runner.connections.jockey,
    trainer: runner.connections.trainer,
    jockeyTrainer: runner.connections.jockeyTrainer,
    jockeyHorse: runner.connections.jockeyHorse,
    jockeyChanged: runner.connections.jockeyChanged,
    speed: runner.speed,
    draw: {
      starts: runner.draw.starts,
      wins: runner.draw.wins,
      expectedWins: runner.draw.expectedWins,
      ae: runner.draw.ae,
    },
  };
}

describe('Analysis over a collected season', () => {
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let season: Season;
  let api: RunningApi;
  let beforeResults: Map<number, unknown>;

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${api.baseUrl}/api/v2/analysis${path}`, { headers: { 'x-api-key': ADMIN_KEY, ...headers } });
  const targetRaces = async (): Promise<{ meet: number; raceNo: number }[]> =>
    season.database.query<{ meet: number; raceNo: number }>(
      `SELECT meet, race_no AS "raceNo" FROM races WHERE race_date = $1 AND status <> 'cancelled'
          AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = races.id) ORDER BY meet, race_no`,
      [TARGET],
    );

  beforeAll(async () => {
    sandbox = await createKraSandbox();
    await sandbox.listen();
    // The shared season, up to the day before TARGET with results; TARGET's cards only, as before its races.
    season = await analysisSeason(redis);
    await collectMore(sandbox, season, { from: TARGET, to: TARGET, meets: MEETS, results: false });
    api = await startApi(testConfig(season.database, redis, { KRA_REQUESTS_PER_SECOND: '1000' }));
    beforeResults = new Map();
    for (const { meet, raceNo } of await targetRaces()) {
      const response = await get(`/races/${TARGET}/${meet}/${raceNo}`);
      expect(response.status).toBe(200);
      beforeResults.set(meet * 100 + raceNo, await response.json());
    }
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    await season?.close();
    await sandbox?.close();
    await redis.clear();
  });

  it('should serve every runner of a race with its features, as of the start of the race day', () => {
    expect(beforeResults.size).toBeGreaterThan(10);
    const [first] = [...beforeResults.values()] as RaceFeatures[];
    expect(first).toMatchObject({ date: TARGET, asOf: '2025-05-23T15:00:00.000Z', version: FEATURE_VERSION });
    expect(first.runners.length).toBeGreaterThanOrEqual(5);
    const seasoned = first.runners.filter((runner) => !runner.form.firstStart);
    expect(seasoned.length).toBeGreaterThan(0);
    expect(seasoned[0].form.lastStarts[0].date < TARGET).toBe(true);
  });

  it("should not change when the race's results and the following weeks arrive, nor when recomputed from scratch", async () => {
    await collectMore(sandbox, season, { from: TARGET, to: '2025-06-15', meets: MEETS });
    const [{ results }] = await season.database.query<{ results: number }>(
      `SELECT count(*)::int AS results FROM results x JOIN entries e ON e.id = x.entry_id JOIN races r ON r.id = e.race_id
        WHERE r.race_date >= $1`,
      [TARGET],
    );
    expect(results).toBeGreaterThan(500);
    const again = async (): Promise<Map<number, unknown>> => {
      const answers = new Map<number, unknown>();
      for (const { meet, raceNo } of await targetRaces())
        answers.set(meet * 100 + raceNo, await (await get(`/races/${TARGET}/${meet}/${raceNo}`)).json());
      return answers;
    };
    // Served after the new data (the day's own rows changed with its results: computed again).
    expect(await again()).toEqual(beforeResults);
    // Stored rows deleted and every day computed again from scratch.
    await season.database.query('DELETE FROM race_features');
    await api.app.get(FeaturesService).computeRange('2025-01-01', '2025-06-15');
    expect(await again()).toEqual(beforeResults);
  }, 120_000);

  it('should equal a brute-force recomputation for 300 random runners', async () => {
    const all = (
      await season.database.query<RawStart & { scratched: boolean }>(
        `SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no AS "raceNo", r.distance_m AS "distanceM",
                r.race_class AS "raceClass", r.moisture_percent::float8 AS moisture, r.prizes::float8[] AS prizes,
                e.gate_no AS gate, e.hr_no AS "hrNo", e.jk_no AS "jkNo", e.tr_no AS "trNo",
                e.carried_weight_kg::float8 AS carried, e.rating, e.scratched,
                x.finish_position AS position, x.finish_status AS status, x.race_time_s::float8 AS time, x.win_odds::float8 AS odds
           FROM races r JOIN entries e ON e.race_id = r.id JOIN results x ON x.entry_id = e.id WHERE r.status <> 'cancelled'`,
      )
    ).filter((s) => !s.scratched && ['finished', 'disqualified', 'pulled_up'].includes(s.status));
    for (const s of all) {
      if (s.status !== 'finished') s.position = null;
      if (!s.time || s.time <= 0) s.time = null;
    }
    const stored = await season.database.query<{ features: RaceFeatures }>(
      `SELECT features FROM race_features WHERE race_date >= '2025-03-01' ORDER BY race_date, meet, race_no`,
    );
    const candidates = stored.flatMap(({ features }) => features.runners.map((runner) => ({ features, runner })));
    expect(candidates.length).toBeGreaterThan(1000);
    const rng = new Rng('analysis-brute-force');
    const sample = Array.from({ length: 300 }, () => candidates[rng.int(0, candidates.length - 1)]);
    for (const { features, runner } of sample) {
      const label = `${features.date} ${features.meet}/${features.raceNo} gate ${runner.gate}`;
      expect(computed(runner), label).toEqual(
        bruteForce(all, features.date, features.meet, features.distanceM as number, runner),
      );
    }
  }, 120_000);

  it('should give CSV with flat columns, one row per runner', async () => {
    const [{ meet, raceNo }] = await targetRaces();
    const response = await get(`/races/${TARGET}/${meet}/${raceNo}`, { accept: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...lines] = (await response.text()).trimEnd().split('\n');
    const columns = header.split(',');
    expect(columns).toEqual(
      expect.arrayContaining([
        'date',
        'gate',
        'hrNo',
        'form.lastStarts.1.position',
        'form.lastStarts.6.speedFigure',
        'record.career.winRate',
        'connections.jockey.days30.starts',
        'speed.averageLast3',
        'draw.ae',
      ]),
    );
    const race = beforeResults.get(meet * 100 + raceNo) as RaceFeatures;
    expect(lines).toHaveLength(race.runners.length);
    expect(lines.every((line) => line.split(',').length === columns.length)).toBe(true);
  });

  it('should compute a range of race days as a compute-features job, and after every collection', async () => {
    const jobs = new JobsApi<{ status: string; type: string; params: { from: string }; result: unknown }>(api.baseUrl);
    await season.database.query(`DELETE FROM race_features WHERE race_date BETWEEN '2025-05-01' AND '2025-05-31'`);
    const id = await jobs.submit('/analysis/compute', { from: '2025-05-01', to: '2025-05-31' });
    const job = await jobs.waitFor(id, (seen) => seen.status === 'succeeded', { timeoutMs: 60_000 });
    expect(job).toMatchObject({ type: 'compute-features', result: { days: expect.any(Number) } });
    const [counts] = await season.database.query<{ stored: number; races: number }>(
      `SELECT (SELECT count(*)::int FROM race_features WHERE race_date BETWEEN '2025-05-01' AND '2025-05-31') AS stored,
              (SELECT count(*)::int FROM races r WHERE race_date BETWEEN '2025-05-01' AND '2025-05-31' AND status <> 'cancelled'
                  AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id)) AS races`,
    );
    expect(counts.stored).toBe(counts.races);
    expect(counts.stored).toBeGreaterThan(50);
    for (const [body, field] of [
      [{ from: '2025-05-31', to: '2025-05-01' }, 'to'],
      [{ from: '31/05/2025' }, 'from'],
      [{}, 'from'],
    ] as const) {
      const response = await jobs.request('POST', '/analysis/compute', undefined, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.text()).toContain(field);
    }

    // A collection is followed by the features of its day and of every later stored day.
    const collect = await jobs.submit('/collection/races', { date: '2025-06-21', meet: 1 });
    await jobs.waitFor(collect, (seen) => seen.status === 'succeeded', { timeoutMs: 60_000 });
    const [followUp] = await season.database.query<{ id: string }>(
      `SELECT id FROM jobs WHERE type = 'compute-features' AND params->>'from' = '2025-06-21'`,
    );
    expect(followUp).toBeDefined();
    await jobs.waitFor(followUp.id, (seen) => seen.status === 'succeeded', { timeoutMs: 60_000 });
    const stored = await season.database.query(`SELECT 1 FROM race_features WHERE race_date = '2025-06-21'`);
    expect(stored.length).toBeGreaterThan(5);
  }, 180_000);

  it("should give a horse's form as of a race day, its grouped stats, the draw and the pars", async () => {
    const race = [...beforeResults.values()][0] as RaceFeatures;
    const runner = race.runners.find((candidate) => candidate.form.lastStarts.length >= 3) as RunnerFeatures;
    const form = await (await get(`/horses/${runner.hrNo}/form?asOf=${TARGET}&limit=3`)).json();
    expect(form).toEqual({
      hrNo: runner.hrNo,
      asOf: '2025-05-23T15:00:00.000Z',
      version: FEATURE_VERSION,
      lines: runner.form.lastStarts.slice(0, 3),
    });

    const stats = (await (await get(`/jockeys/${runner.jkNo}/stats?by=meet&from=2025-01-01&to=2025-05-23`)).json()) as {
      rows: { key: string; runs: number; wins: number; ae: number | null; roi: number | null }[];
    };
    const [{ runs }] = await season.database.query<{ runs: number }>(
      `SELECT count(*)::int AS runs FROM entries e JOIN races r ON r.id = e.race_id JOIN results x ON x.entry_id = e.id
        WHERE e.jk_no = $1 AND r.race_date BETWEEN '2025-01-01' AND '2025-05-23' AND NOT e.scratched
          AND x.finish_status IN ('finished', 'disqualified', 'pulled_up')`,
      [runner.jkNo],
    );
    expect(stats.rows.reduce((sum, row) => sum + row.runs, 0)).toBe(runs);
    expect(stats.rows[0]).toMatchObject({ ae: expect.any(Number), roi: expect.any(Number) });

    const draw = (await (
      await get('/draw?meet=1&distanceFrom=1000&distanceTo=1200&from=2025-01-01&to=2025-05-23')
    ).json()) as { gates: { gate: number; wins: number; expectedWins: number }[] };
    expect(draw.gates.map((gate) => gate.gate).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    const wins = draw.gates.reduce((sum, gate) => sum + gate.wins, 0);
    const expected = draw.gates.reduce((sum, gate) => sum + gate.expectedWins, 0);
    // Every race has a winner (a dead heat two): the expectations add up to the races.
    expect(Math.abs(wins - expected)).toBeLessThan(3);

    const pars = (await (await get(`/speed-pars?meet=1&asOf=${TARGET}`)).json()) as {
      pars: { distanceM: number; going: string | null; timeS: number; winners: number }[];
      classes: { classLevel: number; points: number; winners: number }[];
    };
    expect(pars.pars.length).toBeGreaterThan(3);
    expect(pars.pars.every((par) => par.winners >= 3 && par.timeS > 40)).toBe(true);
    // Better classes run faster: class 1's winners rate above class 6's.
    const points = new Map(pars.classes.map((row) => [row.classLevel, row.points]));
    expect(points.get(1)).toBeGreaterThan(points.get(6) ?? Infinity);
  });

  it('should stream the features of a range as NDJSON or CSV, computing stale days first', async () => {
    await season.database.query(`DELETE FROM race_features WHERE race_date = '2025-05-18'`);
    const ndjson = await get('/features?from=2025-05-01&to=2025-05-31');
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const body = await ndjson.text();
    const races = body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as RaceFeatures);
    // Byte for byte the stored JSON, a race per line, by day, meet and race.
    const stored = await season.database.query<{ text: string }>(
      `SELECT features::text AS text FROM race_features WHERE race_date BETWEEN '2025-05-01' AND '2025-05-31'
        ORDER BY race_date, meet, race_no`,
    );
    expect(body).toBe(stored.map(({ text }) => `${text}\n`).join(''));
    const [{ count }] = await season.database.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM races r WHERE race_date BETWEEN '2025-05-01' AND '2025-05-31' AND status <> 'cancelled'
          AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id)`,
    );
    expect(races).toHaveLength(count);
    expect(races.some((race) => race.date === '2025-05-18')).toBe(true);
    const csv = await get('/features?from=2025-05-01&to=2025-05-31&meet=1', { accept: 'text/csv' });
    const [header, ...rows] = (await csv.text()).trimEnd().split('\n');
    expect(header.startsWith('date,meet,raceNo,asOf')).toBe(true);
    expect(rows).toHaveLength(
      races.filter((race) => race.meet === 1).reduce((sum, race) => sum + race.runners.length, 0),
    );
  });

  it('should let the database connection go when a client leaves an export early', async () => {
    // More early leavers than the pool has connections (10): a held connection would starve the rest.
    for (let i = 0; i < 12; i += 1) {
      const aborted = new AbortController();
      const response = await fetch(`${api.baseUrl}/api/v2/analysis/features?from=2025-01-01&to=2025-05-31`, {
        headers: { 'x-api-key': ADMIN_KEY, accept: i % 2 ? 'text/csv' : 'application/x-ndjson' },
        signal: aborted.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      aborted.abort();
      await reader.closed.catch(() => undefined);
    }
    const whole = await get('/features?from=2025-05-01&to=2025-05-31&meet=1');
    expect(whole.status).toBe(200);
    expect((await whole.text()).length).toBeGreaterThan(1000);
    await expect
      .poll(async () => {
        const [{ copies }] = await season.database.query<{ copies: number }>(
          `SELECT count(*)::int AS copies FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT features%' AND state = 'active'`,
        );
        return copies;
      })
      .toBe(0);
    // And every connection of the API's pool is back, idle.
    const pool = (api.app.get(DataSource).driver as unknown as { master: { totalCount: number; idleCount: number } })
      .master;
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  });

  it("should mark a day's data the same whatever the session's time zone, one day or many at once", async () => {
    const elsewhere = await new DataSource({
      type: 'postgres',
      url: season.database.url,
      extra: { options: '-c TimeZone=Pacific/Auckland' },
    }).initialize();
    try {
      const [{ zone }] = await elsewhere.query<{ zone: string }[]>("SELECT current_setting('TimeZone') AS zone");
      expect(zone).toBe('Pacific/Auckland');
      expect(await new FeaturesRepository(elsewhere).dataMark(TARGET)).toBe(
        await new FeaturesRepository(season.dataSource).dataMark(TARGET),
      );
      // Many days' marks in one query: each the day's own mark (a day without races too).
      const repository = new FeaturesRepository(season.dataSource);
      const days = [...season.days.slice(0, 3), ...season.days.slice(-3), '2025-01-02', TARGET];
      const marks = await new FeaturesRepository(elsewhere).dataMarks(days);
      for (const day of days) expect(marks.get(day), day).toBe(await repository.dataMark(day));
    } finally {
      await elsewhere.destroy();
    }
  });

  it('should answer bad input with a 400 naming the field, and an unknown race with a 404', async () => {
    for (const [path, field] of [
      ['/races/2025-13-01/1/1', 'date'],
      ['/races/2025-05-24/9/1', 'meet'],
      ['/races/2025-05-24/1/0', 'raceNo'],
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(JSON.stringify(await response.json()), path).toContain(field);
    }
    expect((await get('/races/2019-05-24/1/1')).status).toBe(404);
    for (const [path, field] of [
      ['/horses/12345/form', 'hrNo'],
      ['/horses/0160001/form?asOf=2099-01-01', 'asOf'],
      ['/horses/0160001/form?limit=500', 'limit'],
      ['/jockeys/080001/stats?by=colour', 'by'],
      ['/trainers/070001/stats?from=2025-06-01&to=2025-01-01', 'to'],
      ['/draw?meet=1&distanceFrom=1400&distanceTo=1000', 'distanceTo'],
      ['/draw?distanceFrom=1000', 'meet'],
      ['/speed-pars?meet=1&asOf=2099-01-01', 'asOf'],
      ['/features?from=2025-01-01&to=2026-06-01', 'to'],
      ['/features?to=2025-01-01', 'from'],
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(JSON.stringify(await response.json()), path).toContain(field);
    }
    expect((await get('/horses/9999999/form')).status).toBe(404);
    expect((await get('/jockeys/999999/stats')).status).toBe(404);
  });
});
