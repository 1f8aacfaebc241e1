import { CacheService } from '@app/cache';
import { Injectable, NotFoundException } from '@nestjs/common';
import type {
  HorseParamsDto,
  JockeyParamsDto,
  RaceDayQueryDto,
  RaceListQueryDto,
  RaceParamsDto,
  RaceViewQueryDto,
  TrainerParamsDto,
} from './read-params.dto';
import {
  iso,
  toCollectionRace,
  toCollectionStatus,
  toEntry,
  toRaceSummary,
  toRecentStart,
  toResult,
} from './read-mappers';
import type {
  CollectionRacesDto,
  CollectionStatusDto,
  HorseProfileDto,
  JockeyProfileDto,
  RaceDetailDto,
  RacePageDto,
  TrainerProfileDto,
} from './read-responses.dto';
import { RaceReadService } from './race-read.service';

/** Users poll the race-day listing; a minute of staleness at most, less since writes invalidate the day's tag. */
export const COLLECTION_RACES_TTL_SECONDS = 60;

export function collectionRacesCacheKey(date: string, meet: number): string {
  // The version segment retires entries of an older response shape on deploy.
  return `read:collection-races:v1:${date}:${meet}`;
}

/** A race view changes only when its day is written (which drops the day's tag); the TTL bounds what a direct database edit leaves stale. */
export const RACE_VIEW_TTL_SECONDS = 60;

/** A profile changes when a race of theirs is written (which drops their tag); the TTL bounds what a direct database edit leaves stale. */
export const PROFILE_TTL_SECONDS = 60;

export function profileCacheKey(kind: 'horse' | 'jockey' | 'trainer', id: string): string {
  return `read:${kind}:v1:${id}`;
}

export function raceViewCacheKey(params: RaceParamsDto, view: RaceViewQueryDto['view']): string {
  return `read:race:v1:${params.date}:${params.meet}:${params.raceNo}:${view}`;
}

/**
 * The read API's use cases: each answers one route, from the read queries (RaceReadService, SQL
 * only), with its mapping and its cache policy. Controllers make one call per handler.
 */
@Injectable()
export class RaceViews {
  constructor(
    private readonly reads: RaceReadService,
    private readonly cache: CacheService,
  ) {}

  /** The race-day listing as JSON text: cached under the day's tag, a hit sent as stored. */
  collectionRaces({ date, meet }: RaceDayQueryDto): Promise<string> {
    return this.cache.wrapText(
      collectionRacesCacheKey(date, meet),
      COLLECTION_RACES_TTL_SECONDS,
      [CacheService.dayTag(date, meet)],
      async () => {
        const body: CollectionRacesDto = {
          date,
          meet,
          races: (await this.reads.collectionRows(date, meet)).map(toCollectionRace),
        };
        return JSON.stringify(body);
      },
    );
  }

  async collectionStatus({ date, meet }: RaceDayQueryDto): Promise<CollectionStatusDto> {
    return toCollectionStatus(date, meet, await this.reads.collectionRows(date, meet));
  }

  async races(query: RaceListQueryDto): Promise<RacePageDto> {
    const filter = { from: query.from, to: query.to, meet: query.meet, status: query.status };
    const [total, rows] = await Promise.all([
      this.reads.countRaces(filter),
      this.reads.listRaces(filter, query.page, query.limit),
    ]);
    return { items: rows.map(toRaceSummary), page: query.page, limit: query.limit, total };
  }

  /**
   * One race: `prerace` from pre-race data only; `full` adds results, dividends and observations.
   * Cached under the race day's tag, like the listing; an unknown race (404) is not cached.
   */
  race(params: RaceParamsDto, { view }: RaceViewQueryDto): Promise<RaceDetailDto> {
    return this.cache.wrap(
      raceViewCacheKey(params, view),
      RACE_VIEW_TTL_SECONDS,
      [CacheService.dayTag(params.date, params.meet)],
      () => this.loadRace(params, view),
    );
  }

  private async loadRace(params: RaceParamsDto, view: RaceViewQueryDto['view']): Promise<RaceDetailDto> {
    const race = await this.reads.race(params.date, params.meet, params.raceNo);
    if (!race) throw new NotFoundException(`No race ${params.raceNo} at meet ${params.meet} on ${params.date}`);
    const entryRows = await this.reads.entries(race.id);
    const summary = toRaceSummary(race);
    if (view === 'prerace') return { ...summary, view: 'prerace', entries: entryRows.map((row) => toEntry(row, true)) };

    const [observations, results, dividends] = await Promise.all([
      this.reads.raceObservations(race.id),
      this.reads.results(race.id),
      this.reads.dividends(race.id),
    ]);
    const resultByEntry = new Map(results.map((row) => [row.entryId, toResult(row)]));
    return {
      ...summary,
      view: 'full',
      ...observations,
      entries: entryRows.map((row) => ({ ...toEntry(row, false), result: resultByEntry.get(row.entryId) ?? null })),
      dividends,
    };
  }

  /** Profiles are cached under the entity's tag; an unknown one (404) is not cached. */
  horse({ hrNo }: HorseParamsDto): Promise<HorseProfileDto> {
    return this.profile('horse', hrNo, () => this.loadHorse(hrNo));
  }

  jockey({ jkNo }: JockeyParamsDto): Promise<JockeyProfileDto> {
    return this.profile('jockey', jkNo, () => this.loadJockey(jkNo));
  }

  trainer({ trNo }: TrainerParamsDto): Promise<TrainerProfileDto> {
    return this.profile('trainer', trNo, () => this.loadTrainer(trNo));
  }

  private profile<T>(kind: 'horse' | 'jockey' | 'trainer', id: string, load: () => Promise<T>): Promise<T> {
    return this.cache.wrap(profileCacheKey(kind, id), PROFILE_TTL_SECONDS, [CacheService.entityTag(kind, id)], load);
  }

  private async loadHorse(hrNo: string): Promise<HorseProfileDto> {
    const [horse, starts] = await Promise.all([this.reads.horse(hrNo), this.reads.recentStarts('horse', hrNo)]);
    if (!horse) throw new NotFoundException(`No horse ${hrNo}`);
    const { sireNo, sireName, damNo, damName, owNo, ownerName, trNo, trainerName, detailsAt, ...rest } = horse;
    return {
      ...rest,
      sire: sireNo === null && sireName === null ? null : { no: sireNo, name: sireName },
      dam: damNo === null && damName === null ? null : { no: damNo, name: damName },
      owner: owNo === null ? null : { no: owNo, name: ownerName },
      trainer: trNo === null ? null : { no: trNo, name: trainerName },
      detailsAt: iso(detailsAt),
      recentStarts: starts.map(toRecentStart),
    };
  }

  private async loadJockey(jkNo: string): Promise<JockeyProfileDto> {
    const [jockey, starts] = await Promise.all([this.reads.jockey(jkNo), this.reads.recentStarts('jockey', jkNo)]);
    if (!jockey) throw new NotFoundException(`No jockey ${jkNo}`);
    return { ...jockey, detailsAt: iso(jockey.detailsAt), recentStarts: starts.map(toRecentStart) };
  }

  private async loadTrainer(trNo: string): Promise<TrainerProfileDto> {
    const [trainer, starts] = await Promise.all([this.reads.trainer(trNo), this.reads.recentStarts('trainer', trNo)]);
    if (!trainer) throw new NotFoundException(`No trainer ${trNo}`);
    return { ...trainer, detailsAt: iso(trainer.detailsAt), recentStarts: starts.map(toRecentStart) };
  }
}
