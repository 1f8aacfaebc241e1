import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DigitsToInt, PageQueryDto } from '@app/common';
import { RaceDate, WithinRangeOf } from './race-date';

export const RACE_STATUSES = ['scheduled', 'entries', 'finished', 'cancelled', 'void'] as const;
export type RaceStatus = (typeof RACE_STATUSES)[number];
export const RACE_VIEWS = ['prerace', 'full'] as const;
export type RaceView = (typeof RACE_VIEWS)[number];

export const MEET_DESCRIPTION =
  'Racecourse: 1 Seoul, 2 Jeju, 3 Busan-Gyeongnam, 4 accepted for a future course (no data yet)';

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
