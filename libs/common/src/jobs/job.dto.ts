import { ApiProperty } from '@nestjs/swagger';
import { JOB_FAILURE_CODES, JOB_STATUSES, JobFailureCode, JobStatus } from './job-contract';

/** A job as the API shows it, whatever its kind: the jobs API answers these, and so does the enqueue port. */

const TIMESTAMP = { example: '2025-05-23T01:10:00.000Z', nullable: true, type: String, format: 'date-time' } as const;

export class JobSubmissionDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  jobId: string;

  @ApiProperty({
    enum: JOB_STATUSES,
    example: 'queued',
    description: 'A live job already doing the same work is returned as it is (`queued` or `running`)',
  })
  status: JobStatus;
}

export class JobChildrenDto {
  @ApiProperty({ example: 12, description: 'Race days (jobs) in all' })
  total: number;

  @ApiProperty({ example: 5 })
  queued: number;

  @ApiProperty({ example: 1 })
  running: number;

  @ApiProperty({ example: 5 })
  succeeded: number;

  @ApiProperty({ example: 0 })
  partiallySucceeded: number;

  @ApiProperty({ example: 1 })
  failed: number;

  @ApiProperty({ example: 0 })
  cancelled: number;
}

export class JobEventDto {
  @ApiProperty({ example: '2025-05-23T01:10:00.123+00:00' })
  at: string;

  @ApiProperty({ example: 'attempt 1 started' })
  message: string;
}

export class JobSummaryDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  id: string;

  @ApiProperty({
    example: 'collect-day',
    description: 'The kind of job: `collect-day`, `collect-results` (a race day), `backfill` (a range of race days)',
  })
  type: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { date: '2025-05-23', meet: 3, raceNos: null, details: true, results: false },
    description:
      'What the job does, as its kind declares it: a race day `{date, meet, raceNos, details, results}` (collect-day, ' +
      'collect-results; `raceNos` null: every race) or a range of race days `{from, to, meets}` (backfill)',
  })
  params: Record<string, unknown>;

  @ApiProperty({ enum: JOB_STATUSES, example: 'running' })
  status: JobStatus;

  @ApiProperty({ example: 42, minimum: 0, maximum: 100 })
  progress: number;

  @ApiProperty({
    example: 'details 12/40',
    nullable: true,
    type: String,
    description: 'The current step and its count',
  })
  step: string | null;

  @ApiProperty({ example: 1, description: 'Attempts started so far' })
  attempts: number;

  @ApiProperty({
    enum: JOB_FAILURE_CODES,
    nullable: true,
    example: null,
    description: 'Why it failed, or the first failure of a partial success',
  })
  errorCode: JobFailureCode | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  errorMessage: string | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The failed or cancelled job this one retries',
  })
  retryOf: string | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The backfill this job is one race day of',
  })
  parentId: string | null;

  @ApiProperty({
    type: JobChildrenDto,
    nullable: true,
    description: 'A backfill’s race-day jobs by status; null for other jobs',
  })
  children: JobChildrenDto | null;

  @ApiProperty({ ...TIMESTAMP, description: 'Set when a cancel of the running job was requested' })
  cancelRequestedAt: string | null;

  @ApiProperty({ ...TIMESTAMP, nullable: false })
  createdAt: string;

  @ApiProperty(TIMESTAMP)
  startedAt: string | null;

  @ApiProperty(TIMESTAMP)
  finishedAt: string | null;
}

export class JobDto extends JobSummaryDto {
  @ApiProperty({ type: [JobEventDto], description: `What happened, oldest first; the last 50 lines` })
  events: JobEventDto[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The collection report: races, upstream calls per service, failures. For a backfill, once it has ended: race days in all and by status, ' +
      'and the failed ones (`{days, succeeded, partiallySucceeded, failed, cancelled, failedChildren: [{id, date, meet, errorCode}]}`)',
    example: {
      date: '2025-05-23',
      meet: 3,
      races: [{ raceNo: 1, status: 'entries', entries: 11, details: 11, results: 0, dividends: 0 }],
      calls: { API26_2: 2 },
      failures: [],
      ok: true,
    },
  })
  result: Record<string, unknown> | null;
}
