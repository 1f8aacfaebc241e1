import { APP_CONFIG, AppConfig, SCHEDULE_TIME_ZONE } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import { ScheduleKind, scheduledWork, SCHEDULE_KINDS } from './collection-schedule';
import { JobRecord } from './job.types';
import { JobsService } from './jobs.service';

/** setTimeout's longest delay; a later slot is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The worker's collection schedule. Every replica runs it; a firing only enqueues jobs, and the
 * unique schedule slot of each job makes the first replica's INSERT the only one that counts.
 */
@Injectable()
export class CollectionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CollectionScheduler.name);
  private readonly timers = new Map<ScheduleKind, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.schedule.enabled) {
      this.logger.log('Collection schedule disabled (SCHEDULE_ENABLED=false)');
      return;
    }
    for (const kind of SCHEDULE_KINDS) this.arm(kind, new Date());
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Enqueues the jobs of `kind`'s slot at `at`; answers the jobs this call created (none if another replica won). */
  async fire(kind: ScheduleKind, at: Date): Promise<JobRecord[]> {
    const created: JobRecord[] = [];
    for (const work of scheduledWork(kind, at, this.config.schedule.meets)) {
      const job = await this.jobs.submitScheduled(work.type, work.request, work.slot);
      if (job) created.push(job);
    }
    if (created.length > 0) this.logger.log(`Schedule ${kind} at ${at.toISOString()}: queued ${created.map((job) => `${job.type} ${job.params.date} meet ${job.params.meet}`).join(', ')}`);
    return created;
  }

  private cron(kind: ScheduleKind): string {
    const { entriesCron, resultsCron, catchupCron } = this.config.schedule;
    return { entries: entriesCron, results: resultsCron, catchup: catchupCron }[kind];
  }

  /** Sets the timer for the first slot of `kind` after `after`. */
  private arm(kind: ScheduleKind, after: Date): void {
    if (this.stopped) return;
    const next = CronExpressionParser.parse(this.cron(kind), { tz: SCHEDULE_TIME_ZONE, currentDate: after }).next().toDate();
    const delay = next.getTime() - Date.now();
    const timer = setTimeout(
      () => {
        if (delay > MAX_TIMER_MS) return this.arm(kind, after);
        // The slot's own instant, not the clock: a timer that wakes a little early or late fires the same slot.
        this.fire(kind, next)
          .catch((error: unknown) => this.logger.error(`Schedule ${kind} at ${next.toISOString()} failed: ${String(error)}`))
          .finally(() => this.arm(kind, new Date(Math.max(Date.now(), next.getTime()))));
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    // The schedule alone must not keep a process alive.
    timer.unref();
    this.timers.set(kind, timer);
  }
}
