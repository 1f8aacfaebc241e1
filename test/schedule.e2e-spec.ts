import { ConfigValidationError, loadConfig } from '@app/config';
import { dedupeKey, normaliseCollectParams, scheduledWork } from '@app/collection';
import { JobsRepository } from '@app/jobs';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDatabase, TestRedisPrefix, testEnv } from './support/infra';
import { freePort, NodeProcess, sleep, WORKER_MAIN } from './support/processes';

const slots = (kind: Parameters<typeof scheduledWork>[0], at: string, meets = [1, 2, 3]): string[] =>
  scheduledWork(kind, new Date(at), meets).map((work) => work.slot);

describe('Collection schedule: slots', () => {
  it('should enqueue entries for each race day up to the coming Sunday, per racing meet', () => {
    // Wednesday 15:00 KST.
    expect(slots('entries', '2025-06-18T06:00:00Z')).toEqual([
      'entries:2025-06-20:2',
      'entries:2025-06-20:3',
      'entries:2025-06-21:1',
      'entries:2025-06-21:2',
      'entries:2025-06-22:1',
      'entries:2025-06-22:3',
    ]);
    // Friday 15:00 KST: today's races are under way; Saturday and Sunday remain.
    expect(slots('entries', '2025-06-20T06:00:00Z')).toEqual([
      'entries:2025-06-21:1',
      'entries:2025-06-21:2',
      'entries:2025-06-22:1',
      'entries:2025-06-22:3',
    ]);
    expect(slots('entries', '2025-06-18T06:00:00Z', [1])).toEqual(['entries:2025-06-21:1', 'entries:2025-06-22:1']);
    const [first] = scheduledWork('entries', new Date('2025-06-18T06:00:00Z'), [2]);
    expect(first).toEqual({
      slot: 'entries:2025-06-20:2',
      type: 'collect-day',
      request: { date: '2025-06-20', meet: 2 },
    });
  });

  it('should enqueue results for the KST day, not the UTC one', () => {
    // Friday 23:59:59 KST is still Friday; a second later it is Saturday (both are Friday in UTC).
    expect(slots('results', '2025-06-20T14:59:59Z')).toEqual(['results:2025-06-20:2', 'results:2025-06-20:3']);
    expect(slots('results', '2025-06-20T15:00:00Z')).toEqual(['results:2025-06-21:1', 'results:2025-06-21:2']);
    // Wednesday: no races, nothing to collect.
    expect(slots('results', '2025-06-18T10:30:00Z')).toEqual([]);
    expect(scheduledWork('results', new Date('2025-06-22T10:30:00Z'), [3])).toEqual([
      { slot: 'results:2025-06-22:3', type: 'collect-results', request: { date: '2025-06-22', meet: 3 } },
    ]);
  });

  it('should catch up on the previous KST day', () => {
    // Monday 08:00 KST is Sunday 23:00 UTC.
    expect(slots('catchup', '2025-06-22T23:00:00Z')).toEqual(['catchup:2025-06-22:1', 'catchup:2025-06-22:3']);
    expect(slots('catchup', '2025-06-20T23:00:00Z')).toEqual(['catchup:2025-06-20:2', 'catchup:2025-06-20:3']);
    expect(slots('catchup', '2025-06-19T23:00:00Z')).toEqual([]);
  });

  it('should read the schedule from the environment and refuse bad expressions by name', () => {
    expect(loadConfig({}).schedule).toEqual({
      enabled: true,
      meets: [1, 2, 3],
      entriesCron: '0 15 * * 3,4,5',
      resultsCron: '30 19 * * 5,6,0',
      catchupCron: '0 8 * * 6,0,1',
    });
    expect(loadConfig({ SCHEDULE_MEETS: '3,1', SCHEDULE_RESULTS_CRON: '*/5 * * * * *' }).schedule).toMatchObject({
      meets: [1, 3],
      resultsCron: '*/5 * * * * *',
    });
    let error: unknown;
    try {
      loadConfig({ SCHEDULE_RESULTS_CRON: '61 19 * * 5', SCHEDULE_CATCHUP_CRON: '0 8 *', SCHEDULE_MEETS: '1,4' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    expect(problems).toContain('SCHEDULE_RESULTS_CRON: must be a cron expression');
    expect(problems).toContain('SCHEDULE_CATCHUP_CRON: must be a cron expression');
    expect(problems).toContain('SCHEDULE_MEETS:');
    expect(problems).not.toContain('SCHEDULE_ENTRIES_CRON');
  });
});

describe('Collection schedule: worker replicas', () => {
  const database = new TestDatabase();
  const disabledDatabase = new TestDatabase();
  const redis = new TestRedisPrefix();
  const workers: NodeProcess[] = [];
  let disabled: NodeProcess;
  let expected: Set<string>;
  let sandbox: KraSandbox;

  // Entries every second (they exist for any day of the week); the others out of the way.
  const SCHEDULE = {
    SCHEDULE_ENABLED: 'true',
    SCHEDULE_MEETS: '1',
    SCHEDULE_ENTRIES_CRON: '* * * * * *',
    SCHEDULE_RESULTS_CRON: '0 0 1 1 *',
    SCHEDULE_CATCHUP_CRON: '0 0 1 1 *',
  };

  beforeAll(async () => {
    // One upstream for every replica, as deployed (four in-process sandboxes would each simulate
    // their world at boot on a 2-core machine).
    sandbox = await createKraSandbox();
    await sandbox.listen();
    const upstream = { KRA_BASE_URL: sandbox.url };
    await Promise.all([database.create(), disabledDatabase.create()]);
    for (let i = 0; i < 3; i += 1) {
      workers.push(
        new NodeProcess(WORKER_MAIN, {
          ...testEnv(database, redis, { ...SCHEDULE, ...upstream }),
          WORKER_PORT: String(await freePort()),
        }),
      );
    }
    disabled = new NodeProcess(WORKER_MAIN, {
      ...testEnv(disabledDatabase, redis, { ...SCHEDULE, ...upstream, SCHEDULE_ENABLED: 'false' }),
      WORKER_PORT: String(await freePort()),
    });
    await Promise.all([...workers, disabled].map((worker) => worker.listening()));
    const before = new Date();
    await sleep(3_000);
    // The slots of any instant of the run (a KST midnight may fall inside it).
    expected = new Set(
      [...scheduledWork('entries', before, [1]), ...scheduledWork('entries', new Date(), [1])].map((work) => work.slot),
    );
    // Killed outright: the replicas may be running the jobs they queued, and only the rows matter here.
    workers.forEach((worker) => worker.kill());
    await Promise.all(workers.map((worker) => worker.exited));
  }, 40_000);

  afterAll(async () => {
    workers.forEach((worker) => worker.kill());
    disabled?.kill();
    await Promise.all([...workers, disabled].filter(Boolean).map((worker) => worker.exited));
    await Promise.all([database.drop(), disabledDatabase.drop()]);
    await redis.clear();
    await sandbox?.close();
  });

  it('should create exactly one job per slot across three replicas firing every second', async () => {
    const rows = await database.query<{ schedule_slot: string; type: string; api_key_id: string | null }>(
      // The scheduled jobs (a collection that finishes is followed by an unscheduled compute-features job).
      'SELECT schedule_slot, type, api_key_id FROM jobs WHERE schedule_slot IS NOT NULL ORDER BY schedule_slot',
    );
    expect(rows.map((row) => row.schedule_slot)).toEqual([...expected].sort());
    expect(rows.every((row) => row.type === 'collect-day' && row.api_key_id === null)).toBe(true);
    expect(workers.map((worker) => worker.stdout + worker.stderr).join('\n')).not.toMatch(
      /Schedule entries at \S+ failed/,
    );
  });

  it('should not create a second job for a slot whose job has finished', async () => {
    await database.query(`UPDATE jobs SET status = 'succeeded', finished_at = now()`);
    const dataSource = await new DataSource({ type: 'postgres', url: database.url }).initialize();
    try {
      const repository = new JobsRepository(dataSource);
      const [slot] = [...expected];
      const [, date, meet] = slot.split(':');
      const params = normaliseCollectParams('collect-day', { date, meet: Number(meet) });
      expect(
        await repository.insertScheduled({
          type: 'collect-day',
          params,
          dedupeKey: dedupeKey('collect-day', params, null),
          scheduleSlot: slot,
        }),
      ).toBeNull();
      expect(await database.query('SELECT id FROM jobs WHERE schedule_slot = $1', [slot])).toHaveLength(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it('should create no jobs in a worker whose schedule is disabled, and still stop cleanly', async () => {
    expect(await disabledDatabase.query('SELECT id FROM jobs')).toHaveLength(0);
    expect(disabled.stdout).toContain('Collection schedule disabled');
    disabled.kill('SIGTERM');
    expect(await disabled.exited).toBe(0);
  });
});
