import { JobContext, JobHandler, JobReport, RegisterJobKind } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { Injectable } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import { ComputeReport, FeaturesService } from '../features.service';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const COMPUTE_FEATURES = 'compute-features';

/** The race days to compute: from..to, or from to the last stored race day. */
export class ComputeFeaturesPayload {
  @ApiProperty({ example: '2025-01-01', description: 'First race day, YYYY-MM-DD' })
  @Matches(ISO_DATE, { message: 'from must be YYYY-MM-DD' })
  from: string;

  @ApiProperty({
    example: '2025-12-31',
    required: false,
    nullable: true,
    description: 'Last race day, YYYY-MM-DD (default: the last race day stored)',
  })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'to must be YYYY-MM-DD' })
  to: string | null = null;
}

/**
 * Computes and stores the features of a range of race days, each as of its own day, from one load
 * of the history. Enqueued after a collection (that day and every later stored day, whose history
 * it changed) or by an admin as a backfill.
 */
@RegisterJobKind()
@Injectable()
export class ComputeFeaturesJob implements JobHandler<ComputeFeaturesPayload, ComputeReport> {
  readonly kind = COMPUTE_FEATURES;
  readonly payload = ComputeFeaturesPayload;

  constructor(private readonly features: FeaturesService) {}

  dedupeKey(params: ComputeFeaturesPayload): string {
    return `${COMPUTE_FEATURES}:${params.from}:${params.to ?? 'last'}`;
  }

  label(params: ComputeFeaturesPayload): string {
    return `${COMPUTE_FEATURES} ${params.from}..${params.to ?? 'last'}`;
  }

  async run({ params, signal, progress }: JobContext<ComputeFeaturesPayload>): Promise<JobReport<ComputeReport>> {
    const to = params.to ?? (await this.features.lastRaceDay()) ?? params.from;
    const report = await this.features.computeRange(params.from, to, {
      signal,
      onDay: (_day, done, total) => progress('days', done, total),
    });
    return {
      outcome: 'succeeded',
      result: report,
      summary: `${report.days} race days, ${report.races} races, ${report.runners} runners`,
    };
  }
}
