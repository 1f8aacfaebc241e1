import {
  daysBetween,
  MEET_DESCRIPTION,
  normaliseRaceDate,
  PageQueryDto,
  RaceDate,
  WithinRangeOf,
} from '@app/collection';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Max,
  Min,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';
import { BACKFILL_MAX_DAYS, BACKFILL_MEETS } from './backfill';
import { kstToday, raceDays } from '@app/calendar';
import {
  COLLECT_INCLUDES,
  CollectInclude,
  JOB_ERROR_CODES,
  JOB_STATUSES,
  JOB_TYPES,
  JobErrorCode,
  JobStatus,
  JobType,
} from './job.types';

const TIMESTAMP = { example: '2025-05-23T01:10:00.000Z', nullable: true, type: String, format: 'date-time' } as const;

/** Entry sheets appear the Wednesday before a race day: nothing lies further ahead than this. */
export const MAX_DAYS_AHEAD = 14;

export class CollectRequestDto {
  @ApiProperty({
    example: '2025-05-23',
    description: `Race day, \`YYYYMMDD\` or \`YYYY-MM-DD\`, at most ${MAX_DAYS_AHEAD} days after today (Asia/Seoul)`,
  })
  @RaceDate()
  @NotFarAhead(MAX_DAYS_AHEAD)
  date: string;

  @ApiProperty({ example: 3, minimum: 1, maximum: 4, description: MEET_DESCRIPTION })
  @IsInt()
  @Min(1)
  @Max(4)
  meet: number;

  @ApiPropertyOptional({
    type: [Number],
    example: [1, 2],
    description: 'Only these races (1–20); default every race of the day',
  })
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
      'snapshot), `results` (results, dividends, scratches). Default for /collection/races: `["details", "results"]` for a race day that is over ' +
      '(before today in Asia/Seoul), `["details"]` otherwise; for /collection/results `["results"]`, which always includes results. `[]`: the cards only.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(COLLECT_INCLUDES.length)
  @IsIn(COLLECT_INCLUDES, { each: true })
  include?: CollectInclude[];
}

/** `POST /legacy/collect`: the old plan's wrapper of the old scripts' command, `DATE [MEET]`. */
export class LegacyCollectRequestDto {
  @ApiProperty({
    example: '20250523',
    description: `Race day, \`YYYYMMDD\` (as the old scripts took it) or \`YYYY-MM-DD\`, at most ${MAX_DAYS_AHEAD} days after today`,
  })
  @RaceDate()
  @NotFarAhead(MAX_DAYS_AHEAD)
  date: string;

  @ApiPropertyOptional({
    example: 1,
    minimum: 1,
    maximum: 4,
    default: 1,
    description: `${MEET_DESCRIPTION}; 1 when omitted, as the old scripts did`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4)
  meet?: number;
}

/** On a date: at most `days` after today in Asia/Seoul, where no entry sheet can exist yet. Invalid dates are left to `@RaceDate()`. */
function NotFarAhead(days: number): PropertyDecorator {
  const limit = (): string =>
    new Date(Date.parse(`${kstToday()}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  return (target, propertyKey) =>
    registerDecorator({
      name: 'notFarAhead',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must be at most ${days} days after today in Asia/Seoul (${limit()}): no entries exist yet`,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || normaliseRaceDate(value) !== value || value <= limit(),
      },
    });
}

/** On a date: not after today in Asia/Seoul, where there is nothing to collect yet. Invalid dates are left to `@RaceDate()`. */
function NotAfterToday(): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'notAfterToday',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} must not be after today in Asia/Seoul (${kstToday()})`,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || normaliseRaceDate(value) !== value || value <= kstToday(),
      },
    });
}

/**
 * On `to`: `from`..`to` holds a race day of `meets` (all of them when absent). Left to the other
 * checks when the dates, the range or the meets are invalid.
 */
function HoldsRaceDays(fromProperty: string, meetsProperty: string): PropertyDecorator {
  const meetsOf = (args: ValidationArguments): unknown =>
    (args.object as Record<string, unknown>)[meetsProperty] ?? BACKFILL_MEETS;
  const holds = (args: ValidationArguments): boolean => {
    const from = (args.object as Record<string, unknown>)[fromProperty];
    const to: unknown = args.value;
    const meets = meetsOf(args);
    if (
      typeof from !== 'string' ||
      typeof to !== 'string' ||
      normaliseRaceDate(from) !== from ||
      normaliseRaceDate(to) !== to
    )
      return true;
    if (daysBetween(from, to) < 0 || daysBetween(from, to) + 1 > BACKFILL_MAX_DAYS) return true;
    if (!Array.isArray(meets) || meets.length === 0 || !meets.every((meet) => BACKFILL_MEETS.includes(meet as number)))
      return true;
    return raceDays(from, to, meets as number[]).length > 0;
  };
  return (target, propertyKey) =>
    registerDecorator({
      name: 'holdsRaceDays',
      target: target.constructor,
      propertyName: propertyKey as string,
      options: {
        message: (args: ValidationArguments) =>
          `${fromProperty}..${args.property} holds no race day of meets ${String(meetsOf(args))}`,
      },
      validator: { validate: (_value: unknown, args?: ValidationArguments) => !args || holds(args) },
    });
}

export class BackfillRequestDto {
  @ApiProperty({ example: '2025-05-01', description: 'First day, `YYYYMMDD` or `YYYY-MM-DD`' })
  @RaceDate()
  from: string;

  @ApiProperty({
    example: '2025-05-31',
    description: `Last day, \`YYYYMMDD\` or \`YYYY-MM-DD\`: not before \`from\`, at most ${BACKFILL_MAX_DAYS} days in all, not after today in Asia/Seoul; the range must hold a race day of \`meets\``,
  })
  @RaceDate()
  @WithinRangeOf('from', BACKFILL_MAX_DAYS)
  @NotAfterToday()
  @HoldsRaceDays('from', 'meets')
  to: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 1, maximum: 3 },
    example: [1, 3],
    uniqueItems: true,
    description:
      'Meets to collect, each at most once: 1 Seoul (races Sat, Sun), 2 Jeju (Fri, Sat), 3 Busan-Gyeongnam (Fri, Sun). Default: all three',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BACKFILL_MEETS.length)
  @ArrayUnique({ message: 'meets must not repeat a meet' })
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(3, { each: true })
  meets?: number[];
}

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

  @ApiPropertyOptional({
    format: 'uuid',
    example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77',
    description: 'Only the race-day jobs of this backfill',
  })
  @IsOptional()
  @IsUUID('all', { message: 'parentId must be a UUID' })
  parentId?: string;
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

export class BackfillParamsDto {
  @ApiProperty({ example: '2025-05-01' })
  from: string;

  @ApiProperty({ example: '2025-05-31' })
  to: string;

  @ApiProperty({ type: [Number], example: [1, 3] })
  meets: number[];
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

@ApiExtraModels(JobParamsDto, BackfillParamsDto)
export class JobSummaryDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  id: string;

  @ApiProperty({ enum: JOB_TYPES, example: 'collect-day' })
  type: JobType;

  @ApiProperty({
    oneOf: [{ $ref: getSchemaPath(JobParamsDto) }, { $ref: getSchemaPath(BackfillParamsDto) }],
    description: 'What the job collects: a race day (collect-day, collect-results) or a range of race days (backfill)',
  })
  params: JobParamsDto | BackfillParamsDto;

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
    enum: JOB_ERROR_CODES,
    nullable: true,
    example: null,
    description: 'Why it failed, or the first failure of a partial success',
  })
  errorCode: JobErrorCode | null;

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
