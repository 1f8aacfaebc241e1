import { DAY_CACHE_INVALIDATOR, DayCacheInvalidator } from '@app/collection';
import { CacheService } from '@app/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, CLOSED_PORT, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { forbiddenKeys } from './support/prerace';
import { CURRENT_CAREER, HORSES, JOCKEYS, seedRaceDay, snapshotFor, TRAINERS } from './support/race-data';

type Json = Record<string, unknown>;

/**
 * Day A (2025-05-23, meet 1): race 1 finished (4 runners, gate 4 scratched), race 2 with entries, race 3 scheduled.
 * Day B (2025-05-24, meet 1): race 1 finished, gate 2's snapshot taken after the start (backfilled). Day C (2025-05-23, meet 3): races 1 and 2 scheduled.
 */
async function seedAll(database: TestDatabase): Promise<void> {
  await seedRaceDay(database, '2025-05-23', 1, [
    { raceNo: 1, status: 'finished', entries: 4, scratchedGate: 4 },
    { raceNo: 2, status: 'entries' },
    { raceNo: 3, status: 'scheduled' },
  ]);
  await seedRaceDay(database, '2025-05-24', 1, [{ raceNo: 1, status: 'finished', lateSnapshotGate: 2 }]);
  await seedRaceDay(database, '2025-05-23', 3, [
    { raceNo: 1, status: 'scheduled' },
    { raceNo: 2, status: 'scheduled' },
  ]);
}

describe('Race read API', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  let readKey: string;

  async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${api.baseUrl}/api/v2${path}`, { headers: { 'x-api-key': readKey, ...headers } });
  }

  async function getJson<T = Json>(path: string): Promise<T> {
    const response = await get(path);
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
    return (await response.json()) as T;
  }

  /** What a writer of master data does after writing: the profiles' cache tags go. */
  const dropProfiles = (): Promise<void> =>
    api.app
      .get(CacheService)
      .invalidateTags([
        ...HORSES.map((id) => CacheService.entityTag('horse', id)),
        ...JOCKEYS.map((id) => CacheService.entityTag('jockey', id)),
        ...TRAINERS.map((id) => CacheService.entityTag('trainer', id)),
      ]);

  async function createKey(scopes: string[]): Promise<string> {
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v2/admin/api-keys',
      headers: { 'x-api-key': ADMIN_KEY },
      payload: { name: `race-read ${scopes.join(',')}`, scopes },
    });
    return created.json<{ key: string }>().key;
  }

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis));
    await seedAll(database);
    readKey = await createKey(['read']);
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  describe('GET /collection/races', () => {
    it("should list the day's races with their collection status", async () => {
      const body = await getJson<{ date: string; meet: number; races: Json[] }>(
        '/collection/races?date=2025-05-23&meet=1',
      );
      expect(body.date).toBe('2025-05-23');
      expect(body.meet).toBe(1);
      expect(body.races.map((race) => race.raceNo)).toEqual([1, 2, 3]);
      expect(body.races[0]).toEqual({
        raceNo: 1,
        status: 'finished',
        name: '1경주 일반',
        distanceM: 1100,
        raceClass: '국6등급',
        scheduledStart: '2025-05-23T02:30:00.000Z',
        entries: { collected: true, collectedAt: '2025-05-23T00:00:00.000Z', count: 4 },
        details: { collected: true, collectedAt: '2025-05-23T00:00:00.000Z', count: 4 },
        results: { collected: true, collectedAt: '2025-05-23T09:00:00.000Z', count: 3 },
        dividends: { collected: true, collectedAt: '2025-05-23T09:00:00.000Z', count: 3 },
      });
      expect(body.races[2]).toMatchObject({
        raceNo: 3,
        status: 'scheduled',
        entries: { collected: false, collectedAt: null, count: 0 },
        results: { collected: false, collectedAt: null, count: 0 },
      });
    });

    it('should accept YYYYMMDD and answer it in YYYY-MM-DD', async () => {
      const body = await getJson<{ date: string; races: unknown[] }>('/collection/races?date=20250523&meet=3');
      expect(body.date).toBe('2025-05-23');
      expect(body.races).toHaveLength(2);
    });

    it('should accept meet 4 and return no races until there is data', async () => {
      await expect(getJson('/collection/races?date=2025-05-23&meet=4')).resolves.toEqual({
        date: '2025-05-23',
        meet: 4,
        races: [],
      });
    });

    it('should refuse a key without the read scope', async () => {
      const collectKey = await createKey(['collect']);
      const response = await fetch(`${api.baseUrl}/api/v2/collection/races?date=2025-05-23&meet=1`, {
        headers: { 'x-api-key': collectKey },
      });
      expect(response.status).toBe(403);
      const anonymous = await fetch(`${api.baseUrl}/api/v2/races`);
      expect(anonymous.status).toBe(401);
    });
  });

  describe('GET /collection/status', () => {
    it('should report per race which stages were collected, when, and how many rows', async () => {
      const body = await getJson<{ summary: Json; races: Json[] }>('/collection/status?date=2025-05-23&meet=1');
      expect(body).toMatchObject({ date: '2025-05-23', meet: 1 });
      expect(body.summary).toEqual({ races: 3, entries: 2, details: 2, results: 1, dividends: 1 });
      expect(body.races[1]).toEqual({
        raceNo: 2,
        status: 'entries',
        entries: { collected: true, collectedAt: '2025-05-23T00:00:00.000Z', count: 3 },
        details: { collected: true, collectedAt: '2025-05-23T00:00:00.000Z', count: 3 },
        results: { collected: false, collectedAt: null, count: 0 },
        dividends: { collected: false, collectedAt: null, count: 0 },
      });
    });
  });

  describe('GET /races', () => {
    const key = (race: Json): string => `${String(race.date)}/${String(race.meet)}/${String(race.raceNo)}`;

    it('should list races newest first: race day descending, then meet, then race number', async () => {
      const body = await getJson<{ items: Json[]; page: number; limit: number; total: number }>('/races');
      expect(body).toMatchObject({ page: 1, limit: 50, total: 6 });
      expect(body.items.map(key)).toEqual([
        '2025-05-24/1/1',
        '2025-05-23/1/1',
        '2025-05-23/1/2',
        '2025-05-23/1/3',
        '2025-05-23/3/1',
        '2025-05-23/3/2',
      ]);
      expect(body.items[1]).toEqual({
        date: '2025-05-23',
        meet: 1,
        raceNo: 1,
        name: '1경주 일반',
        distanceM: 1100,
        raceClass: '국6등급',
        ageCondition: '연령오픈',
        sexCondition: '혼합',
        weightCondition: '별정A',
        prizeCondition: '일반',
        prizes: [33000000, 13200000, 8400000],
        scheduledStart: '2025-05-23T02:30:00.000Z',
        status: 'finished',
        entryCount: 4,
      });
    });

    it('should paginate with the total over all pages', async () => {
      const second = await getJson<{ items: Json[]; page: number; limit: number; total: number }>(
        '/races?page=2&limit=2',
      );
      expect(second).toMatchObject({ page: 2, limit: 2, total: 6 });
      expect(second.items.map(key)).toEqual(['2025-05-23/1/2', '2025-05-23/1/3']);
      const beyond = await getJson<{ items: Json[]; total: number }>('/races?page=9&limit=2');
      expect(beyond.items).toEqual([]);
      expect(beyond.total).toBe(6);
    });

    it('should filter by dates, meet and status', async () => {
      const day = await getJson<{ items: Json[]; total: number }>('/races?from=20250524&to=2025-05-24');
      expect(day.items.map(key)).toEqual(['2025-05-24/1/1']);
      const meet = await getJson<{ items: Json[]; total: number }>('/races?meet=3');
      expect(meet.items.map(key)).toEqual(['2025-05-23/3/1', '2025-05-23/3/2']);
      const finished = await getJson<{ items: Json[]; total: number }>('/races?status=finished&from=2025-05-01');
      expect(finished.items.map(key)).toEqual(['2025-05-24/1/1', '2025-05-23/1/1']);
      const leapYear = await getJson<{ total: number }>('/races?from=2024-01-01&to=2024-12-31');
      expect(leapYear.total).toBe(0);
    });
  });

  describe('GET /races/{date}/{meet}/{raceNo}', () => {
    it('should give the full view with entries, results, dividends and observed conditions', async () => {
      const race = await getJson<Json & { entries: Json[]; dividends: Json[] }>('/races/2025-05-23/1/1');
      expect(race).toMatchObject({
        view: 'full',
        date: '2025-05-23',
        meet: 1,
        raceNo: 1,
        status: 'finished',
        weather: '맑음',
        going: '건조',
        moisturePercent: 6.5,
      });
      expect(race.entries.map((entry) => entry.gateNo)).toEqual([1, 2, 3, 4]);
      expect(race.entries[0]).toEqual({
        gateNo: 1,
        horse: { no: HORSES[0], name: '경주마1', snapshot: snapshotFor(1).horse },
        jockey: { no: JOCKEYS[0], name: '기수1', snapshot: snapshotFor(1).jockey },
        trainer: { no: TRAINERS[0], name: '조교사1', snapshot: snapshotFor(1).trainer },
        owner: { no: '110001', name: '마주1' },
        age: 4,
        sex: '거',
        origin: '한',
        carriedWeightKg: 55.5,
        bodyWeightKg: 470,
        bodyWeightChange: -2,
        rating: 61,
        equipment: '-혀끈',
        daysSinceLastStart: 28,
        scratched: false,
        scratchReason: null,
        snapshotTakenAt: '2025-05-23T00:05:00.000Z',
        snapshotTakenBeforeStart: true,
        snapshotWithheld: null,
        result: {
          finishPosition: 1,
          finishStatus: 'finished',
          raceTimeS: 72.3,
          margin: null,
          note: null,
          winOdds: 2.5,
          placeOdds: 1.2,
          sectionals: { s1f: 13.4, g3f: 38.2 },
        },
      });
      expect(race.entries[3]).toMatchObject({ gateNo: 4, scratched: true, scratchReason: '마체이상', result: null });
      expect(race.dividends).toEqual([
        { pool: 'QNL', combination: '1-2', payout: 12.3, noPayout: false },
        { pool: 'TRI', combination: '1-2-3', payout: 88.1, noPayout: false },
        { pool: 'WIN', combination: '1', payout: 3.4, noPayout: false },
      ]);
    });

    it('should default to the full view and accept view=full explicitly', async () => {
      const explicit = await getJson('/races/20250523/1/1?view=full');
      expect(explicit.view).toBe('full');
    });

    it('should leave every post-race field out of the prerace view of a finished race', async () => {
      const race = await getJson<Json & { entries: Json[] }>('/races/2025-05-23/1/1?view=prerace');
      expect(race.view).toBe('prerace');
      expect(race.entries).toHaveLength(4);
      expect(forbiddenKeys(race)).toEqual([]);
      expect(race.entries[3]).toMatchObject({ gateNo: 4, scratched: true, scratchReason: '마체이상' });
      // The walk itself must catch what the full view holds.
      expect(forbiddenKeys(await getJson('/races/2025-05-23/1/1'))).toEqual(
        expect.arrayContaining([
          '$.weather',
          '$.going',
          '$.moisturePercent',
          '$.dividends',
          '$.entries[0].result',
          '$.entries[0].result.finishPosition',
        ]),
      );
    });

    it('should take career figures from the entry snapshots, whatever the profiles say now', async () => {
      await database.query(`UPDATE horses SET career = '{"starts": 99991, "wins": 99992}', rating = 99993`);
      await database.query(`UPDATE jockeys SET career = '{"starts": 99994, "wins": 99995}'`);
      await database.query(`UPDATE trainers SET career = '{"starts": 99996, "wins": 99997}'`);
      // Written behind the cache: drop the profiles' tags, as every writer does.
      await dropProfiles();
      try {
        const race = await getJson<Json & { entries: (Json & { horse: Json; jockey: Json; trainer: Json })[] }>(
          '/races/2025-05-23/1/1?view=prerace',
        );
        for (const entry of race.entries) {
          const gate = entry.gateNo as number;
          expect(entry.horse.snapshot).toEqual(snapshotFor(gate).horse);
          expect(entry.jockey.snapshot).toEqual(snapshotFor(gate).jockey);
          expect(entry.trainer.snapshot).toEqual(snapshotFor(gate).trainer);
        }
        expect(JSON.stringify(race)).not.toMatch(/9999\d/);
        // ...while the profile shows the current figures.
        expect((await getJson(`/horses/${HORSES[0]}`)).career).toEqual({ starts: 99991, wins: 99992 });
      } finally {
        const career = JSON.stringify(CURRENT_CAREER);
        await database.query(`UPDATE horses SET career = $1, rating = 80`, [career]);
        await database.query(`UPDATE jockeys SET career = $1`, [career]);
        await database.query(`UPDATE trainers SET career = $1`, [career]);
        await dropProfiles();
      }
    });

    it('should withhold from the prerace view a snapshot taken after the start, which may count the race', async () => {
      type Entry = Json & { horse: Json; jockey: Json; trainer: Json };
      const prerace = await getJson<{ entries: Entry[] }>('/races/2025-05-24/1/1?view=prerace');
      expect(prerace.entries[1]).toMatchObject({
        gateNo: 2,
        snapshotTakenBeforeStart: false,
        snapshotTakenAt: '2025-05-24T12:00:00.000Z',
        snapshotWithheld: 'taken after the start: its figures may already count this race',
      });
      expect(prerace.entries[0]).toMatchObject({ snapshotWithheld: null });
      expect([
        prerace.entries[1].horse.snapshot,
        prerace.entries[1].jockey.snapshot,
        prerace.entries[1].trainer.snapshot,
      ]).toEqual([null, null, null]);
      expect(prerace.entries[0].horse.snapshot).toEqual(snapshotFor(1).horse);
      const full = await getJson<{ entries: Entry[] }>('/races/2025-05-24/1/1');
      expect(full.entries[1].horse.snapshot).toEqual(snapshotFor(2).horse);
      expect(full.entries[1]).toMatchObject({ snapshotWithheld: null });
    });

    it('should serve a race view from the cache until its day is written, then afresh', async () => {
      const path = '/races/2025-05-23/3/1?view=full';
      const before = await getJson<Json & { name: string }>(path);
      // Written behind the API's back, as no writer of ours does: the cached view stays as it was.
      await database.query(
        `UPDATE races SET name = 'renamed behind the cache' WHERE race_date = '2025-05-23' AND meet = 3 AND race_no = 1`,
      );
      try {
        expect((await getJson<Json & { name: string }>(path)).name).toBe(before.name);
        // Every writer (collector, legacy import) drops the day's tag when it writes the day.
        await api.app.get(CacheService).invalidateTag(CacheService.dayTag('2025-05-23', 3));
        expect((await getJson<Json & { name: string }>(path)).name).toBe('renamed behind the cache');
      } finally {
        await database.query(`UPDATE races SET name = $1 WHERE race_date = '2025-05-23' AND meet = 3 AND race_no = 1`, [
          before.name,
        ]);
        await api.app.get(CacheService).invalidateTag(CacheService.dayTag('2025-05-23', 3));
      }
    });

    it('should show a race with entries but no results yet, and 404 an unknown race', async () => {
      const race = await getJson<Json & { entries: Json[]; dividends: unknown[] }>('/races/2025-05-23/1/2');
      expect(race.entries.every((entry) => entry.result === null)).toBe(true);
      expect(race.dividends).toEqual([]);
      expect(race.weather).toBeNull();
      const missing = await get('/races/2025-05-23/1/20');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('profiles', () => {
    it('should give a horse with its recent starts, newest first, with results where collected', async () => {
      const horse = await getJson<Json & { recentStarts: Json[] }>(`/horses/${HORSES[0]}`);
      expect(horse).toMatchObject({
        hrNo: HORSES[0],
        name: '경주마1',
        birthDate: '2021-03-01',
        sire: { no: '0030001', name: '메니피' },
        owner: { no: '110001', name: '마주1' },
        trainer: { no: TRAINERS[0], name: '조교사1' },
        rating: 80,
        totalPrize: 123456789,
        career: CURRENT_CAREER,
      });
      expect(horse.detailsAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(horse.recentStarts.map((start) => `${String(start.date)}/${String(start.raceNo)}`)).toEqual([
        '2025-05-24/1',
        '2025-05-23/2',
        '2025-05-23/1',
      ]);
      expect(horse.recentStarts[0]).toMatchObject({
        meet: 1,
        raceStatus: 'finished',
        gateNo: 1,
        horse: { no: HORSES[0], name: '경주마1' },
      });
      expect(horse.recentStarts[0].result).toMatchObject({ finishPosition: 1, winOdds: 2.5 });
      expect(horse.recentStarts[1].result).toBeNull();
    });

    it('should serve profiles from the cache until a day they ran on is written, then afresh', async () => {
      const path = `/horses/${HORSES[0]}`;
      const before = await getJson<Json & { name: string }>(path);
      const jockey = await getJson<Json & { name: string }>(`/jockeys/${JOCKEYS[0]}`);
      await database.query(`UPDATE horses SET name = 'renamed behind the cache' WHERE hr_no = $1`, [HORSES[0]]);
      await database.query(`UPDATE jockeys SET name = 'renamed behind the cache' WHERE jk_no = $1`, [JOCKEYS[0]]);
      try {
        expect((await getJson<Json & { name: string }>(path)).name).toBe(before.name);
        // What the collector and the legacy import call after writing a day: every runner's tags go with the day's.
        await api.app.get<DayCacheInvalidator>(DAY_CACHE_INVALIDATOR).invalidateDay('2025-05-23', 1);
        expect((await getJson<Json & { name: string }>(path)).name).toBe('renamed behind the cache');
        expect((await getJson<Json & { name: string }>(`/jockeys/${JOCKEYS[0]}`)).name).toBe(
          'renamed behind the cache',
        );
      } finally {
        await database.query(`UPDATE horses SET name = $1 WHERE hr_no = $2`, [before.name, HORSES[0]]);
        await database.query(`UPDATE jockeys SET name = $1 WHERE jk_no = $2`, [jockey.name, JOCKEYS[0]]);
        await dropProfiles();
      }
    });

    it('should give a jockey and a trainer with their recent starts', async () => {
      const jockey = await getJson<Json & { recentStarts: Json[] }>(`/jockeys/${JOCKEYS[0]}`);
      expect(jockey).toMatchObject({
        jkNo: JOCKEYS[0],
        name: '기수1',
        weightKg: 52.5,
        debutDate: '2012-04-01',
        career: CURRENT_CAREER,
      });
      expect(jockey.recentStarts.length).toBeGreaterThan(0);
      expect(jockey.recentStarts.every((start) => (start.jockey as Json).no === JOCKEYS[0])).toBe(true);
      const trainer = await getJson<Json & { recentStarts: Json[] }>(`/trainers/${TRAINERS[1]}`);
      expect(trainer).toMatchObject({ trNo: TRAINERS[1], name: '조교사2', licensedSince: '2005-03-01', stable: '2조' });
      expect(trainer.recentStarts.every((start) => (start.trainer as Json).no === TRAINERS[1])).toBe(true);
    });

    it('should answer 404 for unknown ids', async () => {
      for (const path of ['/horses/0049999', '/jockeys/089999', '/trainers/079999']) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
      }
    });
  });

  describe('validation', () => {
    const BAD: [path: string, field: string][] = [
      ['/collection/races?date=2025-02-30&meet=1', 'date'],
      ['/collection/races?date=20250230&meet=1', 'date'],
      ['/collection/races?date=2025-5-23&meet=1', 'date'],
      ['/collection/races?date=yesterday&meet=1', 'date'],
      ['/collection/races?meet=1', 'date'],
      ['/collection/races?date=2025-05-23&meet=0', 'meet'],
      ['/collection/races?date=2025-05-23&meet=5', 'meet'],
      ['/collection/races?date=2025-05-23&meet=one', 'meet'],
      ['/collection/races?date=2025-05-23&meet=1.5', 'meet'],
      ['/collection/races?date=2025-05-23&meet=1e0', 'meet'],
      ['/collection/races?date=2025-05-23&meet=-1', 'meet'],
      ['/collection/races?date=2025-05-23', 'meet'],
      ['/collection/races?date=2025-05-23&meet=1&colour=red', 'colour'],
      ['/collection/status?date=2025-02-29&meet=1', 'date'],
      ['/collection/status?date=2025-05-23&meet=7', 'meet'],
      ['/races?from=2025-13-01', 'from'],
      ['/races?to=2025-02-29', 'to'],
      ['/races?from=2025-05-24&to=2025-05-23', 'to'],
      ['/races?from=2024-01-01&to=2025-01-01', 'to'],
      ['/races?meet=9', 'meet'],
      ['/races?status=running', 'status'],
      ['/races?page=0', 'page'],
      ['/races?page=two', 'page'],
      ['/races?limit=0', 'limit'],
      ['/races?limit=201', 'limit'],
      ['/races?limit=', 'limit'],
      ['/races?sort=asc', 'sort'],
      ['/races/2025-02-30/1/1', 'date'],
      ['/races/2025-5-23/1/1', 'date'],
      ['/races/2025-05-23/0/1', 'meet'],
      ['/races/2025-05-23/x/1', 'meet'],
      ['/races/2025-05-23/1/0', 'raceNo'],
      ['/races/2025-05-23/1/21', 'raceNo'],
      ['/races/2025-05-23/1/abc', 'raceNo'],
      ['/races/2025-05-23/1/1?view=summary', 'view'],
      ['/races/2025-05-23/1/1?include=results', 'include'],
      ['/horses/004100', 'hrNo'],
      ['/horses/00410011', 'hrNo'],
      ['/horses/004100a', 'hrNo'],
      ['/jockeys/08010', 'jkNo'],
      ['/jockeys/0801011', 'jkNo'],
      ['/jockeys/O80101', 'jkNo'],
      ['/trainers/07020', 'trNo'],
      ['/trainers/abcdef', 'trNo'],
    ];

    it.each(BAD)('should answer %s with 400 naming %s', async (path, field) => {
      const response = await get(path);
      const body = (await response.json()) as {
        statusCode: number;
        message: string;
        details: { field: string; reason: string }[];
      };
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: 'Validation failed' });
      expect(body.details.map((problem) => problem.field)).toContain(field);
    });

    it('should accept the boundaries: a 366-day range, meet 4, race 20, leap days', async () => {
      for (const path of [
        '/races?from=2024-01-01&to=2024-12-31',
        '/races?meet=4&limit=200&page=1',
        '/collection/status?date=2024-02-29&meet=4',
      ]) {
        expect((await get(path)).status, path).toBe(200);
      }
      expect((await get('/races/2024-02-29/4/20')).status).toBe(404);
    });
  });

  describe('ETag', () => {
    it('should tag every 200 and answer a matching If-None-Match with 304 and no body', async () => {
      for (const path of [
        '/races/2025-05-23/1/1?view=prerace',
        '/collection/races?date=2025-05-23&meet=1',
        '/races?limit=2',
        `/horses/${HORSES[1]}`,
      ]) {
        const first = await get(path);
        expect(first.status).toBe(200);
        const etag = first.headers.get('etag');
        expect(etag, path).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
        const again = await get(path);
        expect(again.headers.get('etag')).toBe(etag);

        const notModified = await get(path, { 'if-none-match': etag! });
        expect(notModified.status, path).toBe(304);
        expect(notModified.headers.get('etag')).toBe(etag);
        expect(await notModified.text()).toBe('');

        const listed = await get(path, { 'if-none-match': `"other", W/${etag!}` });
        expect(listed.status).toBe(304);
        const stale = await get(path, { 'if-none-match': '"stale"' });
        expect(stale.status).toBe(200);
        expect(((await stale.json()) as object) !== null).toBe(true);
      }
    });

    it('should give different views different tags and tag no error', async () => {
      const prerace = await get('/races/2025-05-23/1/1?view=prerace');
      const full = await get('/races/2025-05-23/1/1?view=full');
      expect(prerace.headers.get('etag')).not.toBe(full.headers.get('etag'));
      const bad = await get('/races/2025-05-23/1/99');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('etag')).toBeNull();
    });
  });

  describe('cache', () => {
    it('should serve the race-day listing from the cache until the day tag is invalidated', async () => {
      const path = '/collection/races?date=2025-05-24&meet=1';
      const nameOf = async (): Promise<unknown> => (await getJson<{ races: Json[] }>(path)).races[0].name;
      const hits = async (): Promise<number> => {
        const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
        return Number(/^cache_requests_total\{result="hit"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
      };
      expect(await nameOf()).toBe('1경주 일반');
      const before = await hits();
      await database.query(
        `UPDATE races SET name = '이름 변경' WHERE race_date = '2025-05-24' AND meet = 1 AND race_no = 1`,
      );
      expect(await nameOf()).toBe('1경주 일반'); // cached
      expect(await hits()).toBe(before + 1);
      await api.app.get(CacheService).invalidateTag(CacheService.dayTag('2025-05-24', 1));
      expect(await nameOf()).toBe('이름 변경');
    });
  });
});

describe('Race read API while Redis is down', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis, { REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}` }));
    await seedAll(database);
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
  });

  it('should still answer from Postgres, warning once', async () => {
    const headers = { 'x-api-key': ADMIN_KEY };
    for (let i = 0; i < 3; i += 1) {
      const listing = await fetch(`${api.baseUrl}/api/v2/collection/races?date=2025-05-23&meet=1`, { headers });
      expect(listing.status).toBe(200);
      expect(((await listing.json()) as { races: unknown[] }).races).toHaveLength(3);
    }
    const race = await fetch(`${api.baseUrl}/api/v2/races/2025-05-23/1/1?view=prerace`, { headers });
    expect(race.status).toBe(200);
    expect(((await race.json()) as { entries: unknown[] }).entries).toHaveLength(4);
    const list = await fetch(`${api.baseUrl}/api/v2/races?meet=1`, { headers });
    expect(list.status).toBe(200);
    expect(api.logs.filter((line) => line.includes('serving without the cache'))).toHaveLength(1);
  });
});
