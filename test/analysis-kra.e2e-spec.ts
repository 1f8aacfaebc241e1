import { RaceFeatures } from '@app/analysis';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { testConfig, TestRedisPrefix } from './support/infra';
import { JobsApi } from './support/jobs-api';
import { collectAsItHappened, emptySeason, Season } from './support/season';

/** Our counts against KRA's in the pre-race snapshots of a season collected as it happened. */
describe("Analysis: our counts against KRA's", () => {
  const redis = new TestRedisPrefix();
  const clock = { now: new Date('2025-01-01T00:00:00+09:00') };
  let sandbox: KraSandbox;
  let season: Season;
  let api: RunningApi;

  beforeAll(async () => {
    sandbox = await createKraSandbox({ now: () => clock.now });
    await sandbox.listen();
    season = await emptySeason(redis);
    await collectAsItHappened(sandbox, clock, season, { from: '2025-01-01', to: '2025-02-28', meets: [1] });
    api = await startApi(testConfig(season.database, redis, { KRA_BASE_URL: sandbox.url }));
    const jobs = new JobsApi(api.baseUrl);
    const id = await jobs.submit('/analysis/compute', { from: '2025-01-01', to: '2025-02-28' });
    await jobs.waitFor(id, (job) => job.status === 'succeeded', { timeoutMs: 60_000 });
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    await season?.close();
    await sandbox?.close();
    await redis.clear();
  });

  it('should agree wherever our data holds the whole period, and say where it does not', async () => {
    const rows = await season.database.query<{ features: RaceFeatures }>('SELECT features FROM race_features');
    const tally: Record<string, number> = {};
    for (const { features } of rows)
      for (const runner of features.runners)
        for (const entity of ['horse', 'jockey', 'trainer'] as const) {
          const check = runner.kra?.[entity];
          if (!check) continue;
          for (const period of ['career', 'thisYear'] as const) {
            const agrees: boolean | null = check.agrees[period];
            const key: string = `${entity}.${period}.${agrees === null ? 'not_comparable' : agrees ? 'agree' : 'disagree'}`;
            tally[key] = (tally[key] ?? 0) + 1;
            if (agrees === false)
              expect.fail(`${features.date} ${features.raceNo} ${runner.hrNo} ${key}: ${JSON.stringify(check)}`);
          }
        }
    // Figures for the closing note.
    console.log(JSON.stringify(tally));
    // This year: our database starts on the year's first race day, so every count is comparable.
    for (const entity of ['horse', 'jockey', 'trainer'])
      expect(tally[`${entity}.thisYear.agree`], entity).toBeGreaterThan(200);
    // Careers began before our data for most: not comparable, and so not counted as disagreements.
    expect(tally['jockey.career.not_comparable']).toBeGreaterThan(200);

    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/analysis_kra_count_checks_total\{entity="horse",period="thisYear",result="agree"\} \d+/);
    expect(metrics).not.toMatch(/result="disagree"\} [1-9]/);
  });
});
