import type {
  CollectionRaceDto,
  CollectionStageDto,
  CollectionStatusDto,
  PersonRefDto,
  RaceEntryDto,
  RaceResultDto,
  RaceSummaryDto,
  RecentStartDto,
  RunnerRefDto,
} from './read-responses.dto';
import { pickEntryFields } from '../pre-race-fields';
import type { CollectionRow, EntryRow, RaceRow, ResultRow, StartRow } from './race-read.service';

export function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

function stage(collectedAt: Date | null, count: number): CollectionStageDto {
  return { collected: collectedAt !== null, collectedAt: iso(collectedAt), count };
}

function stages(row: CollectionRow): Pick<CollectionRaceDto, 'entries' | 'details' | 'results' | 'dividends'> {
  return {
    entries: stage(row.entriesAt, row.entryCount),
    details: stage(row.detailsAt, row.snapshotCount),
    results: stage(row.resultsAt, row.resultCount),
    dividends: stage(row.dividendsAt, row.dividendCount),
  };
}

export function toCollectionRace(row: CollectionRow): CollectionRaceDto {
  const { raceNo, status, name, distanceM, raceClass } = row;
  return { raceNo, status, name, distanceM, raceClass, scheduledStart: iso(row.scheduledStart), ...stages(row) };
}

export function toCollectionStatus(date: string, meet: number, rows: CollectionRow[]): CollectionStatusDto {
  const races = rows.map((row) => ({ raceNo: row.raceNo, status: row.status, ...stages(row) }));
  const count = (key: 'entries' | 'details' | 'results' | 'dividends'): number =>
    races.filter((race) => race[key].collected).length;
  return {
    date,
    meet,
    summary: {
      races: races.length,
      entries: count('entries'),
      details: count('details'),
      results: count('results'),
      dividends: count('dividends'),
    },
    races,
  };
}

export function toRaceSummary(row: RaceRow): RaceSummaryDto {
  const { id: _internal, scheduledStart, ...rest } = row;
  return { ...rest, scheduledStart: iso(scheduledStart) };
}

function ref(no: string | null, name: string | null): PersonRefDto | null {
  return no === null ? null : { no, name };
}

function runner(no: string | null, name: string | null, snapshot: Record<string, unknown> | null): RunnerRefDto | null {
  return no === null ? null : { no, name, snapshot };
}

/**
 * An entry as known before the race: career figures from the entry's snapshot, never the current
 * profile. With `strict` (the prerace view) a snapshot taken after the start is withheld, since
 * its figures may already count this race.
 */
export function toEntry(row: EntryRow, strict: boolean): RaceEntryDto {
  const taken = row.snapshotTakenAt !== null;
  const usable = !strict || row.snapshotTakenBeforeStart === true;
  const snapshot = (value: Record<string, unknown> | null): Record<string, unknown> | null => (usable ? value : null);
  return {
    gateNo: row.gateNo,
    horse: { no: row.hrNo, name: row.horseName, snapshot: snapshot(row.horseSnapshot) },
    jockey: runner(row.jkNo, row.jockeyName, snapshot(row.jockeySnapshot)),
    trainer: runner(row.trNo, row.trainerName, snapshot(row.trainerSnapshot)),
    owner: ref(row.owNo, row.ownerName),
    ...pickEntryFields(row),
    scratched: row.scratched,
    scratchReason: row.scratchReason,
    snapshotTakenAt: iso(row.snapshotTakenAt),
    snapshotTakenBeforeStart: row.snapshotTakenBeforeStart,
    snapshotWithheld: taken && !usable ? SNAPSHOT_TAKEN_AFTER_START : null,
  };
}

/** Why the prerace view shows no snapshot although one was taken. */
export const SNAPSHOT_TAKEN_AFTER_START = 'taken after the start: its figures may already count this race';

export function toResult(row: ResultRow): RaceResultDto {
  const { finishPosition, finishStatus, raceTimeS, margin, note, winOdds, placeOdds, sectionals } = row;
  return { finishPosition, finishStatus, raceTimeS, margin, note, winOdds, placeOdds, sectionals };
}

export function toRecentStart(row: StartRow): RecentStartDto {
  return {
    date: row.date,
    meet: row.meet,
    raceNo: row.raceNo,
    raceName: row.raceName,
    distanceM: row.distanceM,
    raceStatus: row.raceStatus,
    gateNo: row.gateNo,
    horse: { no: row.hrNo, name: row.horseName },
    jockey: ref(row.jkNo, row.jockeyName),
    trainer: ref(row.trNo, row.trainerName),
    scratched: row.scratched,
    result: row.hasResult ? toResult(row) : null,
  };
}
