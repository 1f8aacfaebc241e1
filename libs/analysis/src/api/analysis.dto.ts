import { DigitsToInt } from '@app/common';
import { MeetField, RaceDate, WithinRangeOf } from '@app/collection';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class FormQueryDto {
  @ApiPropertyOptional({
    example: '2025-06-01',
    description:
      'The race day the form is as of (starts before it count), `YYYYMMDD` or `YYYY-MM-DD`; default today (KST)',
  })
  @IsOptional()
  @RaceDate()
  asOf?: string;

  @ApiPropertyOptional({ example: 10, default: 10, minimum: 1, maximum: 50 })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(50)
  limit: number = 10;
}

export const STATS_BY = ['distance', 'going', 'meet', 'class', 'jockey', 'trainer', 'horse'] as const;
export type StatsBy = (typeof STATS_BY)[number];

/** A range of race days ending today (KST) and starting a year before its end, unless told. */
export class RaceDayRangeQueryDto {
  @ApiPropertyOptional({ example: '2025-01-01', description: 'First race day (default: a year before `to`)' })
  @IsOptional()
  @RaceDate()
  from?: string;

  @ApiPropertyOptional({
    example: '2025-12-31',
    description: 'Last race day (default: today, KST); at most 366 days from `from`',
  })
  @IsOptional()
  @RaceDate()
  @WithinRangeOf('from')
  to?: string;
}

export class StatsQueryDto extends RaceDayRangeQueryDto {
  @ApiPropertyOptional({ enum: STATS_BY, default: 'distance', description: 'What the rows are grouped by' })
  @IsOptional()
  @IsIn(STATS_BY)
  by: StatsBy = 'distance';
}

export class DrawQueryDto extends RaceDayRangeQueryDto {
  @ApiProperty({ example: 1, minimum: 1, maximum: 4 })
  @MeetField()
  meet: number;

  @ApiPropertyOptional({ example: 1000, description: 'Shortest distance (m), default 0' })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(0)
  @Max(5000)
  distanceFrom: number = 0;

  @ApiPropertyOptional({ example: 1200, description: 'Longest distance (m), default 5000' })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(0)
  @Max(5000)
  distanceTo: number = 5000;
}

export class SpeedParsQueryDto {
  @ApiProperty({ example: 1, minimum: 1, maximum: 4 })
  @MeetField()
  meet: number;

  @ApiPropertyOptional({
    example: '2025-06-01',
    description: 'The race day the pars are in force on (default today, KST)',
  })
  @IsOptional()
  @RaceDate()
  asOf?: string;
}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;

export class FeaturesExportQueryDto {
  @ApiProperty({ example: '2025-01-01', description: 'First race day' })
  @RaceDate()
  from: string;

  @ApiProperty({ example: '2025-12-31', description: 'Last race day; at most 366 days from `from`' })
  @RaceDate()
  @WithinRangeOf('from')
  to: string;

  @ApiPropertyOptional({ example: 1, minimum: 1, maximum: 4, description: 'One meet (default: all)' })
  @IsOptional()
  @MeetField()
  meet?: number;
}
