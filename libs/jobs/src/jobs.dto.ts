import { MEET_DESCRIPTION, PageQueryDto, RaceDate } from '@app/collection';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { COLLECT_INCLUDES, CollectInclude, JOB_ERROR_CODES, JOB_STATUSES, JOB_TYPES, JobErrorCode, JobStatus, JobType } from './job.types';

const TIMESTAMP = { example: '2025-05-23T01:10:00.000Z', nullable: true, type: String, format: 'date-time' } as const;


export class CollectRequestDto {
  @ApiProperty({ example: '2025-05-23', description: 'Race day, `YYYYMMDD` or `YYYY-MM-DD`' })
  @RaceDate()
  date: string;

  @ApiProperty({ example: 3, minimum: 1, maximum: 4, description: MEET_DESCRIPTION })
  @IsInt()
  @Min(1)
  @Max(4)
  meet: number;

  @ApiPropertyOptional({ type: [Number], example: [1, 2], description: 'Only these races (1–20); default every race of the day' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(20, { each: true })
  raceNos?: number[];

  @ApiPropertyOptional({
    enum: COLLECT_INCLUDES,
    isArray: true,
    example: ['details'],
    description:
      'What to collect besides the race cards and entries (always collected): `details` (horse, jockey and trainer lookups and the pre-race ' +
      'snapshot), `results` (results, dividends, scratches). Default: `["details"]` for /collection/races, `["results"]` for /collection/results, ' +
      'which always includes results. `[]`: the cards only.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(COLLECT_INCLUDES.length)
  @IsIn(COLLECT_INCLUDES, { each: true })
  include?: CollectInclude[];
}

export class JobSubmissionDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  jobId: string;

  @ApiProperty({ enum: JOB_STATUSES, example: 'queued', description: 'A live job already doing the same work is returned as it is (`queued` or `running`)' })
  status: JobStatus;
}

export class JobIdParamsDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class JobListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @ApiPropertyOptional({ enum: JOB_TYPES, example: 'collect-day' })
  @IsOptional()
  @IsIn(JOB_TYPES)
  type?: JobType;

}

export class JobParamsDto {
  @ApiProperty({ example: '2025-05-23' })
  date: string;

  @ApiProperty({ example: 3 })
  meet: number;

  @ApiProperty({ type: [Number], nullable: true, example: null, description: 'null: every race of the day' })
  raceNos: number[] | null;

  @ApiProperty({ example: true })
  details: boolean;

  @ApiProperty({ example: false })
  results: boolean;
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

  @ApiProperty({ enum: JOB_TYPES, example: 'collect-day' })
  type: JobType;

  @ApiProperty({ type: JobParamsDto })
  params: JobParamsDto;

  @ApiProperty({ enum: JOB_STATUSES, example: 'running' })
  status: JobStatus;

  @ApiProperty({ example: 42, minimum: 0, maximum: 100 })
  progress: number;

  @ApiProperty({ example: 'details 12/40', nullable: true, type: String, description: 'The current step and its count' })
  step: string | null;

  @ApiProperty({ example: 1, description: 'Attempts started so far' })
  attempts: number;

  @ApiProperty({ enum: JOB_ERROR_CODES, nullable: true, example: null, description: 'Why it failed, or the first failure of a partial success' })
  errorCode: JobErrorCode | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  errorMessage: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, format: 'uuid', description: 'The failed or cancelled job this one retries' })
  retryOf: string | null;

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
    description: 'The collection report: races, upstream calls per service, failures',
    example: { date: '2025-05-23', meet: 3, races: [{ raceNo: 1, status: 'entries', entries: 11, details: 11, results: 0, dividends: 0 }], calls: { API26_2: 2 }, failures: [], ok: true },
  })
  result: Record<string, unknown> | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobSummaryDto] })
  items: JobSummaryDto[];

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ example: 3 })
  total: number;
}
