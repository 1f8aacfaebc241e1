import { isRaceDayOver } from '@app/calendar';
import { ownedKey } from '@app/common';

/** The kinds that collect one race day: they differ only in what they collect by default. */
export const COLLECT_JOB_TYPES = ['collect-day', 'collect-results'] as const;
export type CollectJobType = (typeof COLLECT_JOB_TYPES)[number];

export const COLLECT_INCLUDES = ['details', 'results'] as const;
export type CollectInclude = (typeof COLLECT_INCLUDES)[number];

/** What a job collects, normalised: equal work has equal params and so one dedupe key. */
export interface CollectJobParams {
  /** YYYY-MM-DD. */
  date: string;
  meet: number;
  /** Sorted, unique; null: every race of the day. */
  raceNos: number[] | null;
  details: boolean;
  results: boolean;
}

/** What a caller asks to collect, before normalisation. */
export interface CollectRequest {
  date: string;
  meet: number;
  raceNos?: number[];
  include?: CollectInclude[];
}

/** Equal work, equal params: sorted race numbers, explicit flags, defaults per job type. */
export function normaliseCollectParams(type: CollectJobType, request: CollectRequest): CollectJobParams {
  const include = request.include;
  return {
    date: request.date,
    meet: request.meet,
    raceNos: request.raceNos?.length ? [...new Set(request.raceNos)].sort((a, b) => a - b) : null,
    // collect-day: cards plus details unless told otherwise, and results too for a day that is over;
    // collect-results: cards plus results.
    details: include ? include.includes('details') : type === 'collect-day',
    results: type === 'collect-results' || (include ? include.includes('results') : isRaceDayOver(request.date)),
  };
}

/** The same work while it is live is one job (the owner is added by {@link dedupeKey}). */
export function collectKey(type: CollectJobType, params: CollectJobParams): string {
  const races = params.raceNos?.join(',') ?? 'all';
  return `${type}:${params.date}:${params.meet}:${races}:details=${params.details}:results=${params.results}`;
}

/**
 * The same work for the same key while it is queued or running is one job. The key is part of it
 * because a key sees only its own jobs: sharing another key's job would hand out an id it cannot read.
 */
export function dedupeKey(type: CollectJobType, params: CollectJobParams, apiKeyId: string | null): string {
  return ownedKey(collectKey(type, params), apiKeyId);
}
