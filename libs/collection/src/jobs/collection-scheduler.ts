import { APP_CONFIG, AppConfig, SCHEDULE_TIME_ZONE } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { ScheduleKind, scheduledWork, SCHEDULE_KINDS } from './collection-schedule';
import { JOB_QUEUE, type JobDto, type JobQueue } from '@app/common';
import { normaliseCollectParams } from './collect-params';

/** The SchedulerRegistry name of `kind`'s cron job. */
export const collectionScheduleJobName = (kind: ScheduleKind): string => `collection-schedule:${kind}`;

/**
 * The worker's collection schedule. Every replica runs it; a firing only enqueues jobs, and the
 * unique schedule slot of each job makes the first replica's INSERT the only one that counts.
 * The cron jobs live in the SchedulerRegistry, which stops them when the application closes.
 */
@Injectable()
export class CollectionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(CollectionScheduler.name);

  constructor(
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.schedule.enabled) {
      this.logger.log('Collection schedule disabled (SCHEDULE_ENABLED=false)');
      return;
    }
    for (const kind of SCHEDULE_KINDS) this.register(kind);
  }

  /** Enqueues the jobs of `kind`'s slot at `at`; answers the jobs this call created (none if another replica won). */
  async fire(kind: ScheduleKind, at: Date): Promise<JobDto[]> {
    const created: JobDto[] = [];
    const queued: string[] = [];
    for (const work of scheduledWork(kind, at, this.config.schedule.meets)) {
      const job = await this.jobs.enqueueScheduled(
        work.type,
        normaliseCollectParams(work.type, work.request),
        work.slot,
      );
      if (!job) continue;
      created.push(job);
      queued.push(`${work.type} ${work.request.date} meet ${work.request.meet}`);
    }
    if (queued.length > 0) this.logger.log(`Schedule ${kind} at ${at.toISOString()}: queued ${queued.join(', ')}`);
    return created;
  }

  private cron(kind: ScheduleKind): string {
    const { entriesCron, resultsCron, catchupCron } = this.config.schedule;
    return { entries: entriesCron, results: resultsCron, catchup: catchupCron }[kind];
  }

  private register(kind: ScheduleKind): void {
    // Before start(): the job arms for the first slot after this instant, then after each wake-up.
    let since = new Date();
    const job = CronJob.from({
      cronTime: this.cron(kind),
      timeZone: SCHEDULE_TIME_ZONE,
      // The schedule alone must not keep a process alive.
      unrefTimeout: true,
      // A slot that comes while the previous one is still enqueuing is skipped, not run alongside it.
      waitForCompletion: true,
      onTick: async () => {
        const woke = job.lastDate() ?? new Date();
        const at = slotOf(job, since, woke);
        since = woke;
        try {
          await this.fire(kind, at);
        } catch (error) {
          this.logger.error(`Schedule ${kind} at ${at.toISOString()} failed: ${String(error)}`);
        }
      },
    });
    this.registry.addCronJob(collectionScheduleJobName(kind), job);
    job.start();
  }
}

/**
 * The slot a tick stands for: the last one in (since, woke]. cron reports only when it woke
 * (lastDate() is the clock), and a late wake-up must still fire its slot's own instant.
 */
function slotOf(job: CronJob, since: Date, woke: Date): Date {
  const next = (after: Date): Date => job.cronTime.getNextDateFrom(after, SCHEDULE_TIME_ZONE).toJSDate();
  let at = next(since);
  for (let later = next(at); later.getTime() <= woke.getTime(); later = next(at)) at = later;
  return at;
}
