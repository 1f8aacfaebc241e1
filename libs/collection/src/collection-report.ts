/** What one collection run did, per race and per upstream service, and what failed and why. */
export interface RaceReport {
  raceNo: number;
  status: string;
  entries: number;
  details: number;
  results: number;
  dividends: number;
}

export interface CollectionFailure {
  /** What failed: the day, one race ("race 3") or one entity ("horse 0051228"). */
  scope: string;
  reason: string;
  /** The error class, e.g. KraQuotaExceededError. */
  error: string;
}

export interface CollectionReport {
  date: string;
  meet: number;
  results: boolean;
  startedAt: string;
  finishedAt: string;
  races: RaceReport[];
  /** Upstream requests made, per KRA service (pages and retries included). */
  calls: Record<string, number>;
  failures: CollectionFailure[];
  ok: boolean;
}
