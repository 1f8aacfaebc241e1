import { JOB_QUEUE, JobContext, JobHandler, type JobQueue, JobReport, RegisterJobKind } from '@app/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CollectionReport } from '../collection-report';
import { CollectionService } from '../collection.service';
import { collectKey, CollectJobParams, CollectJobType } from './collect-params';
import { CollectDayPayload } from './collection-jobs.dto';
import { toJobReport } from './collect-verdict';

/** The analysis kind a collection is followed by: the features of that day and of every later stored day. */
const FOLLOW_UP_KIND = 'compute-features';

/** How much of a run each engine step is, roughly by the calls it makes. */
const STEP_WEIGHTS = { entries: 1, details: 3, results: 2 };

/** Collects one race day of one meet: the engine's run, judged from its report. */
// Decorated so its constructor's types are kept for the subclasses' injection.
@Injectable()
abstract class CollectJob implements JobHandler<CollectJobParams, CollectionReport> {
  abstract readonly kind: CollectJobType;
  readonly payload = CollectDayPayload;

  private readonly logger = new Logger('CollectJob');

  constructor(
    private readonly collection: CollectionService,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  dedupeKey(params: CollectJobParams): string {
    return collectKey(this.kind, params);
  }

  label(params: CollectJobParams): string {
    return `${this.kind} ${params.date} meet ${params.meet}`;
  }

  steps({ details, results }: CollectJobParams): Record<string, number> {
    return {
      entries: STEP_WEIGHTS.entries,
      ...(details ? { details: STEP_WEIGHTS.details } : {}),
      ...(results ? { results: STEP_WEIGHTS.results } : {}),
    };
  }

  async run({ params, signal, progress }: JobContext<CollectJobParams>): Promise<JobReport<CollectionReport>> {
    const report = await this.collection.collectDay({
      ...params,
      raceNos: params.raceNos ?? undefined,
      onProgress: progress,
      signal,
    });
    const verdict = toJobReport(report);
    if (verdict.outcome !== 'failed' || verdict.partial) await this.followUp(params.date);
    return verdict;
  }

  /** What was stored changes the features of this day and every later one: they are computed again. */
  private async followUp(date: string): Promise<void> {
    try {
      await this.jobs.enqueue(FOLLOW_UP_KIND, { from: date, to: null });
    } catch (error) {
      // A process without the analysis (or a queue that is down) leaves it to the next read.
      this.logger.warn(
        `Features of ${date} onwards not queued: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** Cards, entries and details; the results too when asked (a day that is over, by default). */
@RegisterJobKind()
export class CollectDayJob extends CollectJob {
  readonly kind = 'collect-day';
}

/** Results, dividends and scratches of a race day, its cards refreshed first. */
@RegisterJobKind()
export class CollectResultsJob extends CollectJob {
  readonly kind = 'collect-results';
}
