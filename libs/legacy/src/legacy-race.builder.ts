import { pickEntryFields, PreRaceRunnerRow, RaceRange, RaceReadService, RaceRef } from '@app/collection';
import { Injectable } from '@nestjs/common';
import { LegacyEnvelope, legacyEnvelope, LegacyKind, LEGACY_VENUES } from './legacy-files';
import { hasLegacyDetails, LegacyRaceCard, legacyItems, LegacyRunner } from './legacy-items';

/** A race in the database, with what a legacy file of it would hold. */
export interface LegacyRaceData {
  card: LegacyRaceCard;
  /** Runners that were not scratched, by gate. */
  runners: LegacyRunner[];
}

/** Which races to export: a date range (YYYY-MM-DD, both included), optionally one meet. */
export interface LegacyRaceFilter {
  from: string;
  to: string;
  meet?: number;
}

export type LegacyRaceRef = RaceRef;

/** Races read per query while listing a range: a year of races is never held at once. */
const LIST_PAGE_SIZE = 200;

/** Meets with a legacy venue directory. */
const LEGACY_MEETS = Object.keys(LEGACY_VENUES).map(Number);

/**
 * Races in the shape of the legacy files (`_prerace`, `_enriched`): the race card and the runners
 * that were not scratched, each runner's master data and its pre-race snapshot, as the read
 * repository serves them (no post-race column, so nothing post-race can reach a legacy file).
 */
@Injectable()
export class LegacyRaceBuilder {
  constructor(private readonly reads: RaceReadService) {}

  /** The legacy envelope of one race, or null for a race we do not have. */
  async envelope(date: string, meet: number, raceNo: number, kind: LegacyKind): Promise<LegacyEnvelope | null> {
    const data = await this.load(date, meet, raceNo);
    return data ? legacyRaceEnvelope(data, kind) : null;
  }

  /** A race's card and runners, read in one snapshot of the database; null for an unknown race. */
  async load(date: string, meet: number, raceNo: number): Promise<LegacyRaceData | null> {
    const race = await this.reads.preRaceRace(date, meet, raceNo);
    return race ? { card: race.card, runners: race.runners.map(toRunner) } : null;
  }

  /** Races of a range that have runners, by date, meet and race number, read page by page. */
  async *races(filter: LegacyRaceFilter): AsyncGenerator<LegacyRaceRef> {
    let after: LegacyRaceRef = { date: '0001-01-01', meet: 0, raceNo: 0 };
    for (;;) {
      const page = await this.reads.racesWithRunners(rangeOf(filter), after, LIST_PAGE_SIZE);
      yield* page;
      if (page.length < LIST_PAGE_SIZE) return;
      after = page[page.length - 1];
    }
  }

  countRaces(filter: LegacyRaceFilter): Promise<number> {
    return this.reads.countRacesWithRunners(rangeOf(filter));
  }
}

/** A race's legacy file content of either kind. */
export function legacyRaceEnvelope(data: LegacyRaceData, kind: LegacyKind): LegacyEnvelope {
  return legacyEnvelope(legacyItems(data.card, data.runners, kind));
}

/** Whether a race gets an `_enriched` file: some runner has a pre-race snapshot. */
export function hasLegacyEnriched(data: LegacyRaceData): boolean {
  return hasLegacyDetails(data.runners);
}

/** Every filter part given; meets without a legacy venue (4) are never exported. */
function rangeOf(filter: LegacyRaceFilter): RaceRange {
  return { from: filter.from, to: filter.to, meets: filter.meet === undefined ? LEGACY_MEETS : [filter.meet] };
}

function toRunner(row: PreRaceRunnerRow): LegacyRunner {
  return {
    gateNo: row.gateNo,
    horse: { no: row.hrNo, name: row.hrName },
    jockey: { no: row.jkNo, name: row.jkName },
    trainer: { no: row.trNo, name: row.trName },
    owner: { no: row.owNo, name: row.owName },
    ...pickEntryFields(row),
    horseMaster: {
      meet: row.hMeet,
      sex: row.hSex,
      birthDate: row.hBirthDate,
      origin: row.hOrigin,
      sire: { no: row.hSireNo, name: row.hSireName },
      dam: { no: row.hDamNo, name: row.hDamName },
      owner: { no: row.hOwNo, name: row.hOwName },
      trainer: { no: row.hTrNo, name: row.hTrName },
    },
    jockeyMaster:
      row.jkNo === null
        ? null
        : {
            meet: row.jMeet,
            birthDate: row.jBirthDate,
            debutDate: row.jDebutDate,
            affiliation: row.jAffiliation,
            weightKg: row.jWeightKg,
          },
    trainerMaster:
      row.trNo === null
        ? null
        : { meet: row.tMeet, birthDate: row.tBirthDate, licensedSince: row.tLicensedSince, stable: row.tStable },
    snapshot: { horse: row.sHorse, jockey: row.sJockey, trainer: row.sTrainer },
  };
}
