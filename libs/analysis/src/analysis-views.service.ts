import { CacheService } from '@app/cache';
import { addDays, dashed, kstToday } from '@app/calendar';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { FEATURE_VERSION, GoingBand, PastStartLine } from './features/definitions';
import { FeatureHistory } from './features/engine';
import { drawTable, DrawRow, statsBy, StatsKey, StatsRow } from './features/stats';
import { FeaturesService } from './features.service';
import { FeaturesRepository, StatsRepository } from './store/features.repository';

export type PersonKind = 'horse' | 'jockey' | 'trainer';

const TTL_SECONDS = 300;

/** A range defaulting to the year up to today (KST). */
function rangeOf(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const end = to ?? kstToday();
  return { from: from ?? dashed(addDays(end.replaceAll('-', ''), -365)), to: end };
}

/** An as-of date: today by default, never in the future. */
function asOfDate(asOf: string | undefined): string {
  const today = kstToday();
  if (asOf && asOf > today) throw new BadRequestException([`asOf must not be in the future (today is ${today})`]);
  return asOf ?? today;
}

export interface HorseForm {
  hrNo: string;
  asOf: string;
  version: number;
  lines: PastStartLine[];
}

export interface SpeedParRow {
  distanceM: number;
  /** null: every going together (the par used where a going band has too few winners). */
  going: GoingBand | null;
  timeS: number;
  winners: number;
}

/** A class level's usual points above par: the median of its winners'. */
export interface ClassPointsRow {
  classLevel: number;
  points: number;
  winners: number;
}

/** The analysis API's other use cases: a horse's form, grouped stats, the draw, the pars, the export. */
@Injectable()
export class AnalysisViews {
  constructor(
    private readonly store: FeaturesRepository,
    private readonly stats: StatsRepository,
    private readonly features: FeaturesService,
    private readonly cache: CacheService,
  ) {}

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache.wrap(`analysis:${key}:v${FEATURE_VERSION}`, TTL_SECONDS, [CacheService.HISTORY_TAG], load);
  }

  private async history(asOf: string): Promise<FeatureHistory> {
    return new FeatureHistory(await this.store.history(asOf));
  }

  async form(hrNo: string, asOf: string | undefined, limit: number): Promise<HorseForm> {
    const day = asOfDate(asOf);
    if (!(await this.stats.exists('horse', hrNo))) throw new NotFoundException(`No horse ${hrNo}`);
    return this.cached(`form:${hrNo}:${day}:${limit}`, async () => ({
      hrNo,
      asOf: new Date(`${day}T00:00:00+09:00`).toISOString(),
      version: FEATURE_VERSION,
      lines: (await this.history(day)).formLines(hrNo, day, limit),
    }));
  }

  async personStats(
    kind: PersonKind,
    id: string,
    by: StatsKey,
    from: string | undefined,
    to: string | undefined,
  ): Promise<{ kind: PersonKind; id: string; by: StatsKey; from: string; to: string; rows: StatsRow[] }> {
    const range = rangeOf(from, to);
    if (!(await this.stats.exists(kind, id))) throw new NotFoundException(`No ${kind} ${id}`);
    return this.cached(`stats:${kind}:${id}:${by}:${range.from}:${range.to}`, async () => ({
      kind,
      id,
      by,
      ...range,
      rows: statsBy(await this.stats.runsOf(kind, id, range.from, range.to), by),
    }));
  }

  draw(query: {
    meet: number;
    distanceFrom: number;
    distanceTo: number;
    from?: string;
    to?: string;
  }): Promise<{ meet: number; distanceFrom: number; distanceTo: number; from: string; to: string; gates: DrawRow[] }> {
    if (query.distanceTo < query.distanceFrom)
      throw new BadRequestException(['distanceTo must not be less than distanceFrom']);
    const range = rangeOf(query.from, query.to);
    const { meet, distanceFrom, distanceTo } = query;
    return this.cached(`draw:${meet}:${distanceFrom}:${distanceTo}:${range.from}:${range.to}`, async () => ({
      meet,
      distanceFrom,
      distanceTo,
      ...range,
      gates: drawTable(await this.stats.runsAt(meet, distanceFrom, distanceTo, range.from, range.to)),
    }));
  }

  speedPars(
    meet: number,
    asOf: string | undefined,
  ): Promise<{ meet: number; asOf: string; pars: SpeedParRow[]; classes: ClassPointsRow[] }> {
    const day = asOfDate(asOf);
    return this.cached(`pars:${meet}:${day}`, async () => {
      const pars = (await this.history(day)).pars(day);
      const rows: SpeedParRow[] = [];
      for (const [key, par] of pars.byDistance) {
        const [parMeet, distance] = key.split('|').map(Number);
        if (parMeet === meet) rows.push({ distanceM: distance, going: null, ...par });
      }
      for (const [key, par] of pars.byGoing) {
        const [parMeet, distance, going] = key.split('|');
        if (Number(parMeet) === meet) rows.push({ distanceM: Number(distance), going: going as GoingBand, ...par });
      }
      rows.sort((a, b) => a.distanceM - b.distanceM || (a.going ?? '').localeCompare(b.going ?? ''));
      const classes: ClassPointsRow[] = [];
      for (const [key, value] of pars.byClass) {
        const [parMeet, classLevel] = key.split('|').map(Number);
        if (parMeet === meet) classes.push({ classLevel, ...value });
      }
      classes.sort((a, b) => a.classLevel - b.classLevel);
      return { meet, asOf: new Date(`${day}T00:00:00+09:00`).toISOString(), pars: rows, classes };
    });
  }

  /**
   * The features of every race of a range as NDJSON bytes (a race per line), streamed from the
   * stored rows; days whose stored rows are stale are computed again first, so the export equals a
   * computation now.
   */
  async exportRaces(from: string, to: string, meet?: number): Promise<Readable> {
    const days = await this.store.raceDays(from, to);
    const stale: string[] = [];
    const marks = await this.store.dataMarks(days);
    for (const day of days) if (!(await this.store.dayIsCurrent(day, marks.get(day) as string))) stale.push(day);
    if (stale.length > 0) await this.features.computeRange(stale[0], stale[stale.length - 1]);
    return this.store.copyRange(from, to, meet);
  }
}
