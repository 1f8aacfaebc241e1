import { CacheService } from '@app/cache';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { FEATURE_VERSION, RaceFeatures } from './features/definitions';
import { FeatureHistory } from './features/engine';
import { FeaturesRepository } from './store/features.repository';

/** An analysis changes whenever any earlier race day is written (which drops the history tag); the TTL bounds direct database edits. */
export const ANALYSIS_TTL_SECONDS = 300;

/** Counter of our counts checked against KRA's pre-race snapshot counts. */
export const KRA_COUNT_CHECKS_METRIC = 'analysis_kra_count_checks_total';

export function raceFeaturesCacheKey(date: string, meet: number, raceNo: number): string {
  return `analysis:race:v${FEATURE_VERSION}:${date}:${meet}:${raceNo}`;
}

export interface ComputeReport {
  days: number;
  races: number;
  runners: number;
}

/**
 * Computes, stores and serves the features of races. A stored row is served only while the data
 * it was computed from is unchanged (its data mark) and its definitions are current; otherwise the
 * race day is computed again from scratch, so what is served is what a computation now would give.
 */
@Injectable()
export class FeaturesService {
  constructor(
    private readonly store: FeaturesRepository,
    private readonly cache: CacheService,
    @InjectMetric(KRA_COUNT_CHECKS_METRIC) private readonly kraChecks: Counter<'entity' | 'period' | 'result'>,
  ) {}

  /** Our counts against KRA's in each runner's pre-race snapshot: agree, disagree, or not comparable. */
  private countKraChecks(features: RaceFeatures): void {
    for (const runner of features.runners)
      for (const entity of ['horse', 'jockey', 'trainer'] as const) {
        const check = runner.kra?.[entity];
        if (!check) continue;
        for (const period of ['career', 'thisYear'] as const) {
          const agrees = check.agrees[period];
          const result = agrees === null ? 'not_comparable' : agrees ? 'agree' : 'disagree';
          this.kraChecks.inc({ entity, period, result });
        }
      }
  }

  /**
   * The race days from..to (YYYY-MM-DD) from scratch, from one load of the history: each day's
   * features read only the race days before it.
   */
  async computeRange(
    from: string,
    to: string,
    options: { onDay?: (date: string, done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<ComputeReport> {
    const days = await this.store.raceDays(from, to);
    const report: ComputeReport = { days: 0, races: 0, runners: 0 };
    if (days.length === 0) return report;
    // Marks first: a write made while computing leaves the rows stale, never wrongly fresh.
    const marks = await this.store.dataMarks(days);
    const history = new FeatureHistory(await this.store.history(days.at(-1) as string));
    for (const [index, day] of days.entries()) {
      options.signal?.throwIfAborted();
      const cards = await this.store.cards(day);
      for (const card of cards) {
        const features = history.raceFeatures(card);
        this.countKraChecks(features);
        await this.store.save(card.raceId, features, marks.get(day) as string);
        report.races += 1;
        report.runners += features.runners.length;
      }
      await this.store.dropDay(
        day,
        cards.map((card) => card.raceId),
      );
      report.days += 1;
      options.onDay?.(day, index + 1, days.length);
    }
    await this.cache.invalidateTag(CacheService.HISTORY_TAG);
    return report;
  }

  /** The last race day with cards, or null for an empty database. */
  lastRaceDay(): Promise<string | null> {
    return this.store.lastRaceDay();
  }

  /**
   * One race's features as JSON text: the stored row while it is current, else its day computed
   * again; cached under the history tag, a hit sent as stored.
   */
  raceFeaturesText(date: string, meet: number, raceNo: number): Promise<string> {
    return this.cache.wrapText(
      raceFeaturesCacheKey(date, meet, raceNo),
      ANALYSIS_TTL_SECONDS,
      [CacheService.HISTORY_TAG],
      async () => JSON.stringify(await this.currentRaceFeatures(date, meet, raceNo)),
    );
  }

  private async currentRaceFeatures(date: string, meet: number, raceNo: number): Promise<RaceFeatures> {
    const [card] = await this.store.cards(date, meet, raceNo);
    if (!card) throw new NotFoundException(`No race ${raceNo} of meet ${meet} on ${date} with entries`);
    const mark = await this.store.dataMark(date);
    const stored = await this.store.stored(date, meet, raceNo);
    if (stored && stored.version === FEATURE_VERSION && stored.dataMark === mark) return stored.features;
    await this.computeRange(date, date);
    const computed = await this.store.stored(date, meet, raceNo);
    if (!computed) throw new NotFoundException(`No race ${raceNo} of meet ${meet} on ${date} with entries`);
    return computed.features;
  }
}
