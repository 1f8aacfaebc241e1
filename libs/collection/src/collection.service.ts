import { isDatabaseUnavailable } from '@app/common';
import { KraClient, KraResult, RaceResultRecord, summariseRaceTotals } from '@app/kra-client';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CollectionFailure, CollectionReport, RaceReport } from './collection-report';
import { cardFrom, RaceData } from './store';
import { hasRun, raceOutcome } from './race-outcome';
import { horseSnapshot, jockeySnapshot, trainerSnapshot } from './snapshot-parts';

export interface CollectOptions {
  /** YYYY-MM-DD, a calendar date in Asia/Seoul. */
  date: string;
  meet: number;
  /** Only these races (default: every race the plan and the entry sheet list). */
  raceNos?: number[];
  /** Also collect results, dividends, scratches and observed conditions. */
  results?: boolean;
  /** Look up horse, jockey and trainer details and take the pre-race snapshot (default true). */
  details?: boolean;
  /** Reports progress, e.g. for a progress bar. */
  onProgress?: (step: string, done: number, total: number) => void;
  /** Aborted: the run stops at its next step boundary (lookups already sent finish in the background). */
  signal?: AbortSignal;
}

/** What the steps of one run share: the day, the call and failure bookkeeping, the per-race report. */
interface Run {
  date: string;
  meet: number;
  only?: Set<number>;
  track: <T>(result: KraResult<T>) => KraResult<T>;
  fail: (scope: string, error: unknown) => void;
  races: Map<number, RaceReport>;
  progress: (step: string, done: number, total: number) => void;
}

/** Told when a race day's data changed, so cached reads of that day are dropped. */
export interface DayCacheInvalidator {
  invalidateDay(date: string, meet: number): Promise<void>;
}

export const DAY_CACHE_INVALIDATOR = Symbol('DAY_CACHE_INVALIDATOR');
/** The clock that decides whether a snapshot is taken before a race's start (tests set it). */
export const COLLECTION_CLOCK = Symbol('COLLECTION_CLOCK');

/** The `error` of a failure caused by an unavailable database (down, unreachable, hanging). */
export const DATABASE_UNAVAILABLE = 'DatabaseUnavailable';

/**
 * Collects a race day from the KRA API into Postgres: discovers the real races from the race plan and
 * the entry sheet, upserts races, people and entries, looks each unique horse, jockey and trainer up
 * once, takes the pre-race snapshot, and on request adds results, dividends and scratches. A failing
 * race or entity is reported and skipped; nothing stored is ever deleted or downgraded.
 */
@Injectable()
export class CollectionService {
  private readonly logger = new Logger(CollectionService.name);

  constructor(
    private readonly kra: KraClient,
    private readonly data: RaceData,
    @Optional() @Inject(DAY_CACHE_INVALIDATOR) private readonly cache?: DayCacheInvalidator,
    @Optional() @Inject(COLLECTION_CLOCK) private readonly now: () => Date = () => new Date(),
  ) {}

  async collectDay(options: CollectOptions): Promise<CollectionReport> {
    const { date, meet } = options;
    const startedAt = new Date();
    const calls: Record<string, number> = {};
    const failures: CollectionFailure[] = [];
    const races = new Map<number, RaceReport>();
    // Every progress point is a step boundary: where a stop asked for through the signal takes effect.
    const progress = (step: string, done: number, total: number): void => {
      options.signal?.throwIfAborted();
      options.onProgress?.(step, done, total);
    };
    const track = <T>(result: KraResult<T>): KraResult<T> => {
      calls[result.service] = (calls[result.service] ?? 0) + result.upstreamCalls;
      return result;
    };
    const fail = (scope: string, error: unknown): void => {
      const reason = error instanceof Error ? error.message : String(error);
      // A database that is down is named as such: the job waits for it rather than retrying blindly.
      failures.push({
        scope,
        reason,
        error: isDatabaseUnavailable(error) ? DATABASE_UNAVAILABLE : error instanceof Error ? error.name : 'Error',
      });
      this.logger.warn(`${date} meet ${meet} ${scope}: ${reason}`);
    };

    const run: Run = {
      date,
      meet,
      only: options.raceNos ? new Set(options.raceNos) : undefined,
      track,
      fail,
      races,
      progress,
    };
    try {
      await this.data.withDayLock(date, meet, async () => {
        await this.collectCards(run);
        // Details and results both build on the cards but not on each other: run them side by side.
        await Promise.all([
          options.details !== false ? this.collectDetails(run) : undefined,
          options.results ? this.collectResults(run) : undefined,
        ]);
      });
    } catch (error) {
      // A stop asked for is no failure of the day: whoever aborted knows why.
      if (!options.signal?.aborted) fail('day', error);
    }
    await this.cache
      ?.invalidateDay(date, meet)
      .catch((error: unknown) => this.logger.warn(`Cache invalidation failed: ${String(error)}`));
    return {
      date,
      meet,
      results: options.results === true,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      races: [...races.values()].sort((a, b) => a.raceNo - b.raceNo),
      calls,
      failures,
      ok: failures.length === 0,
    };
  }

  /** Races from the plan and the entry sheet (never assumed 1..N), with their runners. */
  private async collectCards({ date, meet, only, track, fail, races, progress }: Run): Promise<void> {
    const [plan, sheet] = await Promise.all([
      this.kra.racePlan(meet, date).then(track),
      this.kra.entrySheet(meet, date).then(track),
    ]);
    const planSource = await this.data.provenance.saveResponse(plan.service, plan.params, plan.raw);
    const sheetSource = await this.data.provenance.saveResponse(sheet.service, sheet.params, sheet.raw);
    const raceNos = new Set<number>();
    for (const record of [...plan.records, ...sheet.records]) {
      if (record.raceNo !== null && record.raceDate === date && (!only || only.has(record.raceNo)))
        raceNos.add(record.raceNo);
    }
    let done = 0;
    for (const raceNo of [...raceNos].sort((a, b) => a - b)) {
      const entries = sheet.records.filter((entry) => entry.raceNo === raceNo && entry.raceDate === date);
      const racePlan = plan.records.find((record) => record.raceNo === raceNo);
      try {
        await this.data.transaction(async (manager: EntityManager) => {
          const raceId = await this.data.cards.upsertRace(
            manager,
            date,
            meet,
            cardFrom(racePlan, entries, raceNo, racePlan ? planSource : sheetSource),
          );
          await this.data.people.upsertPeople(manager, entries);
          await this.data.cards.upsertEntries(manager, raceId, entries, sheetSource);
        });
        races.set(raceNo, {
          raceNo,
          status: entries.length > 0 ? 'entries' : 'scheduled',
          entries: entries.length,
          details: 0,
          results: 0,
          dividends: 0,
        });
      } catch (error) {
        fail(`race ${raceNo}`, error);
      }
      progress('entries', (done += 1), raceNos.size);
    }
  }

  /** Each unique horse, jockey and trainer once; then the pre-race snapshot of every entry. */
  private async collectDetails({ date, meet, only, track, fail, races, progress }: Run): Promise<void> {
    const entries = (await this.data.cards.dayEntries(date, meet)).filter((entry) => !only || only.has(entry.raceNo));
    const horses = new Map<string, unknown>();
    const jockeys = new Map<string, unknown>();
    const trainers = new Map<string, unknown>();
    const lookups = [
      ...unique(entries.map((entry) => entry.hrNo)).map((id) => ({ kind: 'horse', id })),
      ...unique(entries.map((entry) => entry.jkNo)).map((id) => ({ kind: 'jockey', id })),
      ...unique(entries.map((entry) => entry.trNo)).map((id) => ({ kind: 'trainer', id })),
    ];
    let done = 0;
    // All lookups are started together; the client's limiter paces them against the gateway.
    await Promise.all(
      lookups.map(async ({ kind, id }) => {
        try {
          if (kind === 'horse') {
            const result = track(await this.kra.horse(id));
            const [horse] = result.records;
            if (horse) {
              await this.data.people.saveHorses(
                [horse],
                await this.data.provenance.saveResponse(result.service, result.params, result.raw),
              );
              horses.set(id, horseSnapshot(horse));
            }
          } else if (kind === 'jockey') {
            const result = track(await this.kra.jockey(id));
            const [jockey] = result.records;
            if (jockey) {
              await this.data.people.saveJockeys(
                [jockey],
                await this.data.provenance.saveResponse(result.service, result.params, result.raw),
              );
              jockeys.set(id, jockeySnapshot(jockey));
            }
          } else {
            const result = track(await this.kra.trainer(id));
            const [trainer] = result.records;
            if (trainer) {
              await this.data.people.saveTrainers(
                [trainer],
                await this.data.provenance.saveResponse(result.service, result.params, result.raw),
              );
              trainers.set(id, trainerSnapshot(trainer));
            }
          }
        } catch (error) {
          fail(`${kind} ${id}`, error);
        }
        progress('details', (done += 1), lookups.length);
      }),
    );
    const now = this.now();
    const detailedRaces = new Set<string>();
    await Promise.all(
      entries.map(async (entry) => {
        const parts = {
          horse: horses.get(entry.hrNo),
          jockey: entry.jkNo ? jockeys.get(entry.jkNo) : undefined,
          trainer: entry.trNo ? trainers.get(entry.trNo) : undefined,
        };
        if (!parts.horse && !parts.jockey && !parts.trainer) return;
        const beforeStart = entry.scheduledStart !== null && now < new Date(entry.scheduledStart);
        await this.data.cards.saveSnapshot(entry.entryId, parts, now, beforeStart);
        if (parts.horse && parts.jockey && parts.trainer) detailedRaces.add(entry.raceId);
      }),
    );
    await this.data.cards.markDetailsCollected([...detailedRaces]);
    for (const report of races.values()) {
      report.details = entries.filter((entry) => entry.raceNo === report.raceNo && horses.has(entry.hrNo)).length;
    }
  }

  /** Results, dividends, scratches and observed conditions; never from a cached card. */
  private async collectResults({ date, meet, track, fail, races, progress }: Run): Promise<void> {
    const [totals, scratches, conditions] = await Promise.all([
      this.kra.raceTotals(meet, date).then(track),
      this.kra.scratches(meet, date).then(track),
      // Observed conditions are a nicety: the results stand without them.
      this.kra
        .track(meet, date)
        .then(track)
        .catch((error: unknown) => {
          fail('track conditions', error);
          return undefined;
        }),
    ]);
    const summaries = summariseRaceTotals(totals.records);
    let done = 0;
    const raceNos = [...races.keys()].sort((a, b) => a - b);
    await Promise.all(
      raceNos.map(async (raceNo) => {
        const report = races.get(raceNo) as RaceReport;
        try {
          const [results, dividends] = await Promise.all([
            this.kra.raceResults(meet, date, raceNo).then(track),
            this.kra.dividends(meet, date, raceNo).then(track),
          ]);
          const summary = summaries.get(raceNo);
          const observed = conditions?.records.find((record) => record.raceNo === raceNo);
          const resultsSource = await this.data.provenance.saveResponse(results.service, results.params, results.raw);
          const dividendsSource = await this.data.provenance.saveResponse(
            dividends.service,
            dividends.params,
            dividends.raw,
          );
          await this.data.transaction(async (manager: EntityManager) => {
            const raceId = await this.data.cards.raceId(manager, date, meet, raceNo);
            if (!raceId) return;
            const statuses = results.records.map((row: RaceResultRecord) => row.finishStatus);
            const run = hasRun(statuses);
            report.results = run
              ? await this.data.results.saveResults(manager, raceId, results.records, resultsSource)
              : 0;
            report.dividends = await this.data.results.saveDividends(
              manager,
              raceId,
              dividends.records,
              dividendsSource,
            );
            for (const scratch of scratches.records.filter(
              (record) => record.raceNo === raceNo && record.gateNo !== null,
            )) {
              await this.data.results.markScratched(manager, raceId, scratch.gateNo as number, scratch.reason);
            }
            const status = raceOutcome(statuses, summary);
            if (status) {
              const first = results.records[0] as RaceResultRecord | undefined;
              await this.data.results.finishRace(manager, raceId, {
                status,
                weather: observed?.weather ?? first?.weather ?? null,
                going: observed?.going ?? summary?.going ?? first?.going ?? null,
                moisturePercent:
                  observed?.moisturePercent ?? summary?.moisturePercent ?? first?.moisturePercent ?? null,
                dividends: dividends.records.length > 0,
              });
              report.status = status;
            }
          });
        } catch (error) {
          fail(`race ${raceNo} results`, error);
        }
        progress('results', (done += 1), raceNos.length);
      }),
    );
  }
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))].sort();
}
