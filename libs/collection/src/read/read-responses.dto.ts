import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { RACE_STATUSES, RaceStatus } from './read-params.dto';

const TIMESTAMP = { example: '2025-05-23T01:10:00.000Z', nullable: true, type: String, format: 'date-time' } as const;
const SNAPSHOT = {
  type: 'object',
  additionalProperties: true,
  nullable: true,
  example: { rating: 71, career: { starts: 12, wins: 2, seconds: 3 } },
} as const;

export class CollectionStageDto {
  @ApiProperty({ example: true })
  collected: boolean;

  @ApiProperty({ ...TIMESTAMP, description: 'When this stage was last collected (null: not yet)' })
  collectedAt: string | null;

  @ApiProperty({ example: 12, description: 'Rows held for this stage' })
  count: number;
}

export class RaceCollectionDto {
  @ApiProperty({ type: CollectionStageDto, description: 'Entries (count: entries, scratched included)' })
  entries: CollectionStageDto;

  @ApiProperty({
    type: CollectionStageDto,
    description: 'Runner details (count: entries with a pre-race snapshot of horse, jockey and trainer)',
  })
  details: CollectionStageDto;

  @ApiProperty({ type: CollectionStageDto, description: 'Results (count: entries with a result row)' })
  results: CollectionStageDto;

  @ApiProperty({ type: CollectionStageDto, description: 'Dividends (count: pool/combination rows)' })
  dividends: CollectionStageDto;
}

export class RaceCollectionStatusDto extends RaceCollectionDto {
  @ApiProperty({ example: 1, minimum: 1, maximum: 20 })
  raceNo: number;

  @ApiProperty({ enum: RACE_STATUSES, example: 'finished' })
  status: RaceStatus;
}

export class CollectionSummaryDto {
  @ApiProperty({ example: 11 })
  races: number;

  @ApiProperty({ example: 11, description: 'Races whose entries were collected' })
  entries: number;

  @ApiProperty({ example: 11 })
  details: number;

  @ApiProperty({ example: 9 })
  results: number;

  @ApiProperty({ example: 9 })
  dividends: number;
}

export class CollectionStatusDto {
  @ApiProperty({ example: '2025-05-23' })
  date: string;

  @ApiProperty({ example: 1 })
  meet: number;

  @ApiProperty({ type: CollectionSummaryDto, description: "How many of the day's races have each stage collected" })
  summary: CollectionSummaryDto;

  @ApiProperty({ type: [RaceCollectionStatusDto] })
  races: RaceCollectionStatusDto[];
}

export class CollectionRaceDto extends RaceCollectionStatusDto {
  @ApiProperty({ example: '일반', nullable: true, type: String })
  name: string | null;

  @ApiProperty({ example: 1200, nullable: true, type: Number })
  distanceM: number | null;

  @ApiProperty({ example: '국6등급', nullable: true, type: String })
  raceClass: string | null;

  @ApiProperty({ ...TIMESTAMP, example: '2025-05-23T02:35:00.000Z' })
  scheduledStart: string | null;
}

export class CollectionRacesDto {
  @ApiProperty({ example: '2025-05-23' })
  date: string;

  @ApiProperty({ example: 1 })
  meet: number;

  @ApiProperty({ type: [CollectionRaceDto] })
  races: CollectionRaceDto[];
}

export class RaceSummaryDto {
  @ApiProperty({ example: '2025-05-23' })
  date: string;

  @ApiProperty({ example: 1 })
  meet: number;

  @ApiProperty({ example: 5 })
  raceNo: number;

  @ApiProperty({ example: '일반', nullable: true, type: String })
  name: string | null;

  @ApiProperty({ example: 1200, nullable: true, type: Number })
  distanceM: number | null;

  @ApiProperty({ example: '국6등급', nullable: true, type: String })
  raceClass: string | null;

  @ApiProperty({ example: '연령오픈', nullable: true, type: String })
  ageCondition: string | null;

  @ApiProperty({ example: '혼합', nullable: true, type: String })
  sexCondition: string | null;

  @ApiProperty({ example: '별정A', nullable: true, type: String })
  weightCondition: string | null;

  @ApiProperty({ example: '일반', nullable: true, type: String })
  prizeCondition: string | null;

  @ApiProperty({ example: [33000000, 13200000, 8400000], type: [Number], description: 'Prize money by place, in won' })
  prizes: number[];

  @ApiProperty({ ...TIMESTAMP, example: '2025-05-23T02:35:00.000Z' })
  scheduledStart: string | null;

  @ApiProperty({ enum: RACE_STATUSES, example: 'finished' })
  status: RaceStatus;

  @ApiProperty({ example: 12, description: 'Entries, scratched ones included' })
  entryCount: number;
}

export class RacePageDto {
  @ApiProperty({
    type: [RaceSummaryDto],
    description: 'Newest first: race day descending, then meet, then race number',
  })
  items: RaceSummaryDto[];

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ example: 132, description: 'Races matching the filters, over all pages' })
  total: number;
}

export class PersonRefDto {
  @ApiProperty({ example: '080123', description: 'KRA number (hrNo, jkNo, trNo or owNo)' })
  no: string;

  @ApiProperty({ example: '문세영', nullable: true, type: String })
  name: string | null;
}

export class ParentRefDto {
  @ApiProperty({ example: '0031111', nullable: true, type: String })
  no: string | null;

  @ApiProperty({ example: '메니피', nullable: true, type: String })
  name: string | null;
}

export class RunnerRefDto extends PersonRefDto {
  @ApiProperty({
    ...SNAPSHOT,
    description: 'Profile and career figures as they stood before the race (entry snapshot); null if none was taken',
  })
  snapshot: Record<string, unknown> | null;
}

export class RaceResultDto {
  @ApiProperty({ example: 1, nullable: true, type: Number })
  finishPosition: number | null;

  @ApiProperty({ example: 'finished', nullable: true, type: String })
  finishStatus: string | null;

  @ApiProperty({ example: 72.4, nullable: true, type: Number, description: 'Seconds' })
  raceTimeS: number | null;

  @ApiProperty({ example: '1½', nullable: true, type: String })
  margin: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  note: string | null;

  @ApiProperty({ example: 3.4, nullable: true, type: Number })
  winOdds: number | null;

  @ApiProperty({ example: 1.5, nullable: true, type: Number })
  placeOdds: number | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { s1f: 13.4, g3f: 37.2 } })
  sectionals: Record<string, unknown>;
}

export class RaceEntryDto {
  @ApiProperty({ example: 3 })
  gateNo: number;

  @ApiProperty({ type: RunnerRefDto })
  horse: RunnerRefDto;

  @ApiProperty({ type: RunnerRefDto, nullable: true })
  jockey: RunnerRefDto | null;

  @ApiProperty({ type: RunnerRefDto, nullable: true })
  trainer: RunnerRefDto | null;

  @ApiProperty({ type: PersonRefDto, nullable: true })
  owner: PersonRefDto | null;

  @ApiProperty({ example: 4, nullable: true, type: Number })
  age: number | null;

  @ApiProperty({ example: '거', nullable: true, type: String })
  sex: string | null;

  @ApiProperty({ example: '한', nullable: true, type: String })
  origin: string | null;

  @ApiProperty({ example: 55.5, nullable: true, type: Number })
  carriedWeightKg: number | null;

  @ApiProperty({ example: 478, nullable: true, type: Number })
  bodyWeightKg: number | null;

  @ApiProperty({ example: -3, nullable: true, type: Number })
  bodyWeightChange: number | null;

  @ApiProperty({ example: 71, nullable: true, type: Number })
  rating: number | null;

  @ApiProperty({ example: '-혀끈', nullable: true, type: String })
  equipment: string | null;

  @ApiProperty({ example: 28, nullable: true, type: Number })
  daysSinceLastStart: number | null;

  @ApiProperty({ example: false })
  scratched: boolean;

  @ApiProperty({ example: null, nullable: true, type: String })
  scratchReason: string | null;

  @ApiProperty({ ...TIMESTAMP, description: 'When the pre-race snapshot of horse, jockey and trainer was taken' })
  snapshotTakenAt: string | null;

  @ApiProperty({
    example: true,
    nullable: true,
    type: Boolean,
    description:
      'False when the snapshot was taken after the start (backfill): its figures may include this race, so the `prerace` view withholds them',
  })
  snapshotTakenBeforeStart: boolean | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'Why `snapshot` is null although a snapshot was taken: `view=prerace` withholds one taken after the start ("taken after the start: its figures ' +
      'may already count this race"), as for a day collected after it was run (backfill). Null when the snapshot is shown, or none was taken.',
  })
  snapshotWithheld: string | null;

  @ApiPropertyOptional({
    type: RaceResultDto,
    nullable: true,
    description: '`full` view only; null until results are collected',
  })
  result?: RaceResultDto | null;
}

export class DividendDto {
  @ApiProperty({ example: 'QNL', description: 'Pool: WIN, PLC, QNL, EXA, QPL, TLA, TRI' })
  pool: string;

  @ApiProperty({ example: '3-7' })
  combination: string;

  @ApiProperty({ example: 12.3, nullable: true, type: Number })
  payout: number | null;

  @ApiProperty({ example: false })
  noPayout: boolean;
}

export class RaceDetailDto extends RaceSummaryDto {
  @ApiProperty({ enum: ['prerace', 'full'], example: 'full' })
  view: 'prerace' | 'full';

  @ApiPropertyOptional({
    example: '맑음',
    nullable: true,
    type: String,
    description: '`full` view only: observed at the race',
  })
  weather?: string | null;

  @ApiPropertyOptional({
    example: '건조',
    nullable: true,
    type: String,
    description: '`full` view only: observed at the race',
  })
  going?: string | null;

  @ApiPropertyOptional({
    example: 6.5,
    nullable: true,
    type: Number,
    description: '`full` view only: observed at the race',
  })
  moisturePercent?: number | null;

  @ApiProperty({ type: [RaceEntryDto], description: 'By gate number; scratched entries are flagged, not removed' })
  entries: RaceEntryDto[];

  @ApiPropertyOptional({ type: [DividendDto], description: '`full` view only' })
  dividends?: DividendDto[];
}

/** One start of a horse, jockey or trainer: the race it was (as a race summary names it) and the run. */
export class RecentStartDto extends PickType(RaceSummaryDto, ['date', 'meet', 'raceNo', 'distanceM'] as const) {
  @ApiProperty({ example: '일반', nullable: true, type: String })
  raceName: string | null;

  @ApiProperty({ enum: RACE_STATUSES, example: 'finished' })
  raceStatus: RaceStatus;

  @ApiProperty({ example: 3 })
  gateNo: number;

  @ApiProperty({ type: PersonRefDto })
  horse: PersonRefDto;

  @ApiProperty({ type: PersonRefDto, nullable: true })
  jockey: PersonRefDto | null;

  @ApiProperty({ type: PersonRefDto, nullable: true })
  trainer: PersonRefDto | null;

  @ApiProperty({ example: false })
  scratched: boolean;

  @ApiProperty({ type: RaceResultDto, nullable: true, description: "Null until the race's results are collected" })
  result: RaceResultDto | null;
}

class ProfileDto {
  @ApiProperty({ example: '문세영' })
  name: string;

  @ApiProperty({ example: 1, nullable: true, type: Number })
  meet: number | null;

  @ApiProperty({ example: '1985-03-12', nullable: true, type: String })
  birthDate: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { starts: 130, wins: 21 },
    description: 'Current career figures',
  })
  career: Record<string, unknown> | null;

  @ApiProperty({
    ...TIMESTAMP,
    description:
      "The instant the profile's figures hold as of: when they were collected, or for figures imported from the old scripts' files, the start of the race those files were written for",
  })
  detailsAt: string | null;

  @ApiProperty({ type: [RecentStartDto], description: 'The last 20 entries, newest first' })
  recentStarts: RecentStartDto[];
}

export class HorseProfileDto extends ProfileDto {
  @ApiProperty({ example: '0041234' })
  hrNo: string;

  @ApiProperty({ example: '거', nullable: true, type: String })
  sex: string | null;

  @ApiProperty({ example: '한', nullable: true, type: String })
  origin: string | null;

  @ApiProperty({ type: ParentRefDto, nullable: true })
  sire: ParentRefDto | null;

  @ApiProperty({ type: ParentRefDto, nullable: true })
  dam: ParentRefDto | null;

  @ApiProperty({ type: PersonRefDto, nullable: true })
  owner: PersonRefDto | null;

  @ApiProperty({ type: PersonRefDto, nullable: true })
  trainer: PersonRefDto | null;

  @ApiProperty({ example: '국6등급', nullable: true, type: String })
  raceClass: string | null;

  @ApiProperty({ example: 71, nullable: true, type: Number })
  rating: number | null;

  @ApiProperty({ example: 52000000, nullable: true, type: Number, description: 'Won' })
  totalPrize: number | null;
}

export class JockeyProfileDto extends ProfileDto {
  @ApiProperty({ example: '080123' })
  jkNo: string;

  @ApiProperty({ example: '2005-04-01', nullable: true, type: String })
  debutDate: string | null;

  @ApiProperty({ example: '프리', nullable: true, type: String })
  affiliation: string | null;

  @ApiProperty({ example: 52.5, nullable: true, type: Number })
  weightKg: number | null;
}

export class TrainerProfileDto extends ProfileDto {
  @ApiProperty({ example: '070045' })
  trNo: string;

  @ApiProperty({ example: '2010-01-01', nullable: true, type: String })
  licensedSince: string | null;

  @ApiProperty({ example: '12조', nullable: true, type: String })
  stable: string | null;
}
