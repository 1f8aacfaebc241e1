import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { RaceDate, WithinRangeOf } from './race-date';

export const RACE_STATUSES = ['scheduled', 'entries', 'finished', 'cancelled', 'void'] as const;
export type RaceStatus = (typeof RACE_STATUSES)[number];
export const RACE_VIEWS = ['prerace', 'full'] as const;
export type RaceView = (typeof RACE_VIEWS)[number];

export const MEET_DESCRIPTION =
  'Racecourse: 1 Seoul, 2 Jeju, 3 Busan-Gyeongnam, 4 accepted for a future course (no data yet)';

/**
 * Query and path values arrive as strings. Only plain digit strings become numbers; anything else
 * ('1.5', '1e0', ' 1', '0x1') stays a string for `@IsInt` to reject.
 */
export function DigitsToInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  );
}

/** A meet code, 1–4, from a query string or a JSON number. */
export function MeetField(): PropertyDecorator {
  return (target, key) => {
    DigitsToInt()(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(4)(target, key);
  };
}

export class RaceDayQueryDto {
  @ApiProperty({ example: '2025-05-23', description: 'Race day, `YYYYMMDD` or `YYYY-MM-DD`' })
  @RaceDate()
  date: string;

  @ApiProperty({ example: 1, minimum: 1, maximum: 4, description: MEET_DESCRIPTION })
  @MeetField()
  meet: number;
}

/** `page` and `limit` of every paginated list (at most 200 rows a page). */
export class PageQueryDto {
  @ApiPropertyOptional({ example: 1, minimum: 1, default: 1 })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;
}

export class RaceListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '2025-05-01', description: 'First race day, `YYYYMMDD` or `YYYY-MM-DD`' })
  @IsOptional()
  @RaceDate()
  from?: string;

  @ApiPropertyOptional({
    example: '2025-05-31',
    description: 'Last race day; with `from`, not before it and at most 366 days in all',
  })
  @IsOptional()
  @RaceDate()
  @WithinRangeOf('from')
  to?: string;

  @ApiPropertyOptional({ example: 1, minimum: 1, maximum: 4, description: MEET_DESCRIPTION })
  @IsOptional()
  @MeetField()
  meet?: number;

  @ApiPropertyOptional({ enum: RACE_STATUSES, example: 'finished' })
  @IsOptional()
  @IsIn(RACE_STATUSES)
  status?: RaceStatus;
}

export class RaceParamsDto extends RaceDayQueryDto {
  @ApiProperty({ example: 5, minimum: 1, maximum: 20 })
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(20)
  raceNo: number;
}

export class RaceViewQueryDto {
  @ApiPropertyOptional({
    enum: RACE_VIEWS,
    default: 'full',
    description:
      '`prerace`: only what was known before the off (no results, odds, dividends or observed weather/going). `full`: everything.',
  })
  @IsOptional()
  @IsIn(RACE_VIEWS)
  view: RaceView = 'full';
}

export class HorseParamsDto {
  @ApiProperty({ example: '0041234', description: 'KRA horse number, 7 digits' })
  @Matches(/^\d{7}$/, { message: 'hrNo must be 7 digits' })
  hrNo: string;
}

export class JockeyParamsDto {
  @ApiProperty({ example: '080123', description: 'KRA jockey number, 6 digits' })
  @Matches(/^\d{6}$/, { message: 'jkNo must be 6 digits' })
  jkNo: string;
}

export class TrainerParamsDto {
  @ApiProperty({ example: '070045', description: 'KRA trainer number, 6 digits' })
  @Matches(/^\d{6}$/, { message: 'trNo must be 6 digits' })
  trNo: string;
}
