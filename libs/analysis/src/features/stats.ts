import { goingBand } from './definitions';
import { push } from './engine';
import type { StatsRun } from '../store/features.repository';

/** A group of starts: the record, A/E against the final-odds market and the ROI of a flat win bet. */
export interface StatsRow {
  key: string;
  runs: number;
  wins: number;
  seconds: number;
  thirds: number;
  winRate: number | null;
  top3Rate: number | null;
  /** Wins over the market's expected wins (takeout removed), over the runs whose race had odds. */
  ae: number | null;
  /** (returns − stakes) / stakes of 1 on every run at its final win odds. */
  roi: number | null;
}

export type StatsKey = 'distance' | 'going' | 'meet' | 'class' | 'jockey' | 'trainer' | 'horse';

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function keyOf(run: StatsRun, by: StatsKey): string {
  switch (by) {
    case 'distance':
      return run.distanceM === null ? 'unknown' : String(run.distanceM);
    case 'going':
      return goingBand(run.moisturePercent) ?? 'unknown';
    case 'meet':
      return String(run.meet);
    case 'class':
      return run.raceClass ?? 'unknown';
    case 'jockey':
      return run.jkNo ?? 'unknown';
    case 'trainer':
      return run.trNo ?? 'unknown';
    case 'horse':
      return run.hrNo;
  }
}

export function statsRow(key: string, runs: readonly StatsRun[]): StatsRow {
  const wins = runs.filter((run) => run.position === 1).length;
  const seconds = runs.filter((run) => run.position === 2).length;
  const thirds = runs.filter((run) => run.position === 3).length;
  const priced = runs.filter((run) => run.marketWin !== null);
  const expected = priced.reduce((sum, run) => sum + (run.marketWin as number), 0);
  const betOn = runs.filter((run) => run.winOdds !== null && run.winOdds > 0);
  const returns = betOn.reduce((sum, run) => sum + (run.position === 1 ? (run.winOdds as number) : 0), 0);
  const n = runs.length;
  return {
    key,
    runs: n,
    wins,
    seconds,
    thirds,
    winRate: n > 0 ? round(wins / n, 4) : null,
    top3Rate: n > 0 ? round((wins + seconds + thirds) / n, 4) : null,
    ae: expected > 0 ? round(priced.filter((run) => run.position === 1).length / expected, 3) : null,
    roi: betOn.length > 0 ? round((returns - betOn.length) / betOn.length, 4) : null,
  };
}

/** Rows by key, most runs first (then by key). */
export function statsBy(runs: readonly StatsRun[], by: StatsKey): StatsRow[] {
  const groups = new Map<string, StatsRun[]>();
  for (const run of runs) push(groups, keyOf(run, by), run);
  return [...groups]
    .map(([key, list]) => statsRow(key, list))
    .sort((a, b) => b.runs - a.runs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One gate's record against what the field sizes alone would give it. */
export interface DrawRow {
  gate: number;
  runs: number;
  wins: number;
  top3: number;
  winRate: number | null;
  top3Rate: number | null;
  /** Σ 1/field: the wins of a gate that makes no difference. */
  expectedWins: number;
  /** Σ min(3, field)/field. */
  expectedTop3: number;
  winAe: number | null;
  top3Ae: number | null;
}

export function drawTable(runs: readonly StatsRun[]): DrawRow[] {
  const byGate = new Map<number, StatsRun[]>();
  for (const run of runs) push(byGate, run.gate, run);
  return [...byGate]
    .sort(([a], [b]) => a - b)
    .map(([gate, list]) => {
      const wins = list.filter((run) => run.position === 1).length;
      const top3 = list.filter((run) => run.position !== null && run.position <= 3).length;
      const expectedWins = list.reduce((sum, run) => sum + 1 / run.fieldSize, 0);
      const expectedTop3 = list.reduce((sum, run) => sum + Math.min(3, run.fieldSize) / run.fieldSize, 0);
      return {
        gate,
        runs: list.length,
        wins,
        top3,
        winRate: list.length > 0 ? round(wins / list.length, 4) : null,
        top3Rate: list.length > 0 ? round(top3 / list.length, 4) : null,
        expectedWins: round(expectedWins, 3),
        expectedTop3: round(expectedTop3, 3),
        winAe: expectedWins > 0 ? round(wins / expectedWins, 3) : null,
        top3Ae: expectedTop3 > 0 ? round(top3 / expectedTop3, 3) : null,
      };
    });
}
