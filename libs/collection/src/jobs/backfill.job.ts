import { raceDays } from '@app/calendar';
import { JobChild, JobSettlement, JobStatus, ParentJobHandler, RegisterJobKind } from '@app/common';
import { BadRequestException } from '@nestjs/common';
import { BackfillChild, backfillKey, BackfillJobParams, BackfillSummary, tallyBackfill } from './backfill';
import { CollectJobParams, normaliseCollectParams } from './collect-params';
import { BackfillPayload } from './collection-jobs.dto';

/** Every race day of a range: one collect-day child per race day and meet. */
@RegisterJobKind()
export class BackfillJob implements ParentJobHandler<BackfillJobParams, BackfillSummary> {
  readonly kind = 'backfill';
  readonly payload = BackfillPayload;
  /** A backfill that collected only part of its days runs again whole: done days are cheap upserts. */
  readonly retryableFrom: readonly JobStatus[] = ['failed', 'partially_succeeded', 'cancelled'];

  dedupeKey(params: BackfillJobParams): string {
    return backfillKey(params);
  }

  label(params: BackfillJobParams): string {
    return `backfill ${params.from}..${params.to} meets ${params.meets.join(',')}`;
  }

  children(params: BackfillJobParams): { kind: string; params: CollectJobParams }[] {
    const days = raceDays(params.from, params.to, params.meets);
    if (days.length === 0) {
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field: 'to', reason: `from..to holds no race day of meets ${params.meets.join(', ')}` }],
      });
    }
    return days.map((day) => ({ kind: 'collect-day', params: normaliseCollectParams('collect-day', day) }));
  }

  started(children: number): string {
    return `started: ${children} race day(s)`;
  }

  settle(children: readonly JobChild[], cancelRequested: boolean): JobSettlement<BackfillSummary> {
    const days: BackfillChild[] = children
      .map(({ id, params, status, errorCode }) => {
        const { date, meet } = params as CollectJobParams;
        return { id, date, meet, status, errorCode };
      })
      .sort((a, b) => a.date.localeCompare(b.date) || a.meet - b.meet);
    const { progress, step, end } = tallyBackfill(days, cancelRequested);
    return { progress, step, end };
  }
}
