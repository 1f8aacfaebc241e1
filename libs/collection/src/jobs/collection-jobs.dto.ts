import { kstToday, raceDays } from '@app/calendar';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import { daysBetween, normaliseRaceDate, RaceDate, WithinRangeOf } from '../read/race-date';
import { MEET_DESCRIPTION } from '../read/read-params.dto';
import { BACKFILL_MAX_DAYS, BACKFILL_MEETS } from './backfill';
import { COLLECT_INCLUDES, CollectInclude } from './collect-params';

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

/** On a date: at most `days` after today in Asia/Seoul, where no entry sheet can exist yet. Invalid dates are left to `@RaceDate()`. */
export function NotFarAhead(days: number): PropertyDecorator {
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

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The payload of collect-day and collect-results jobs: {@link CollectJobParams} as the queue checks it. */
export class CollectDayPayload {
  @Matches(ISO_DATE, { message: 'date must be YYYY-MM-DD' })
  @RaceDate()
  date: string;

  @IsInt()
  @Min(1)
  @Max(4)
  meet: number;

  @ValidateIf((payload: CollectDayPayload) => payload.raceNos !== null)
  @IsArray()
  @ArrayMinSize(1)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(20, { each: true })
  raceNos: number[] | null;

  @IsBoolean()
  details: boolean;

  @IsBoolean()
  results: boolean;
}

/** The payload of a backfill: {@link BackfillJobParams} as the queue checks it. */
export class BackfillPayload {
  @Matches(ISO_DATE, { message: 'from must be YYYY-MM-DD' })
  @RaceDate()
  from: string;

  @Matches(ISO_DATE, { message: 'to must be YYYY-MM-DD' })
  @RaceDate()
  @WithinRangeOf('from', BACKFILL_MAX_DAYS)
  to: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(3, { each: true })
  meets: number[];
}
