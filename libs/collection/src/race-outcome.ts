import type { FinishStatus, RaceTotalSummary } from '@app/kra-client';

/** What a race became, as far as the gateway's answers tell; null while nothing says it has run. */
export type RaceOutcome = 'finished' | 'cancelled' | 'void' | null;

/**
 * A race's outcome from its API214_1 rows' finish statuses and API299's flags: void when a row says
 * so (ord 98); cancelled when API299 flags it not run (noraceFlag) or a row says cancelled (ord 99);
 * finished once someone has a finishing position (before the race the gateway serves the card with
 * zeroed result fields, whose odds of 0 would read as scratches); otherwise not yet known.
 */
export function raceOutcome(
  statuses: (FinishStatus | null)[],
  summary: Pick<RaceTotalSummary, 'noRace'> | undefined,
): RaceOutcome {
  if (statuses.includes('void')) return 'void';
  if (summary?.noRace === true || statuses.includes('cancelled')) return 'cancelled';
  return statuses.includes('finished') ? 'finished' : null;
}

/** Whether the rows hold a run race's results (and so are worth storing as results). */
export function hasRun(statuses: (FinishStatus | null)[]): boolean {
  return statuses.includes('finished');
}
