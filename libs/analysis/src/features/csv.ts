import { KraCountCheck, RaceFeatures, Record3, RunnerFeatures } from './definitions';
import { FeatureHistory, record3 } from './engine';
import { HistoryRunner } from './history';

/** The race columns of every CSV row, before the runner's. */
const RACE_COLUMNS = [
  'date',
  'meet',
  'raceNo',
  'asOf',
  'version',
  'distanceM',
  'raceClass',
  'likelyFrontRunners',
] as const;

type Flat = Record<string, unknown>;

/** Nested objects as dotted names; the form lines as form.lastStarts.1.…, newest first. */
function flatten(value: unknown, prefix: string, out: Flat): Flat {
  if (Array.isArray(value)) value.forEach((item, index) => flatten(item, `${prefix}${index + 1}.`, out));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) flatten(item, `${prefix}${key}.`, out);
  else out[prefix.slice(0, -1)] = value;
  return out;
}

/** A runner with every part present (six form lines, today's going known): the columns' template. */
function templateRunner(): RunnerFeatures {
  const start = (day: number): HistoryRunner => ({
    gate: 1,
    hrNo: 'H',
    jkNo: 'J',
    trNo: 'T',
    carriedWeightKg: 55,
    bodyWeightKg: 450,
    bodyWeightChange: 0,
    rating: 50,
    scratched: false,
    finishPosition: 1,
    finishStatus: 'finished',
    raceTimeS: 70 + day,
    winOdds: 2,
    sectionals: {},
  });
  const history = new FeatureHistory(
    [1, 2, 3, 4, 5, 6].map((day) => ({
      date: `2000-01-0${day}`,
      meet: 1,
      raceNo: 1,
      distanceM: 1200,
      raceClass: null,
      moisturePercent: 1,
      prizes: [],
      runners: [start(day)],
    })),
  );
  const [runner] = history.raceFeatures({
    date: '2000-01-08',
    meet: 1,
    raceNo: 1,
    distanceM: 1200,
    raceClass: null,
    prizes: [],
    runners: [start(0)],
  }).runners;
  const known: Record3 = record3([]);
  const counts = { starts: 0, wins: 0, seconds: 0, thirds: 0 };
  const check: KraCountCheck = {
    reported: { career: counts, thisYear: counts },
    ours: { career: counts, thisYear: counts },
    comparable: { career: false, thisYear: false },
    agrees: { career: null, thisYear: null },
  };
  return {
    ...runner,
    aptitude: { ...runner.aptitude, atGoing: known },
    kra: { takenAt: '', takenBeforeStart: true, horse: check, jockey: check, trainer: check },
  };
}

/** Every CSV column, in order: the race's, then the runner's. */
export const FEATURE_CSV_COLUMNS: readonly string[] = [
  ...RACE_COLUMNS,
  ...Object.keys(flatten(templateRunner(), '', {})),
];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function featureCsvHeader(): string {
  return `${FEATURE_CSV_COLUMNS.join(',')}\n`;
}

/** One CSV line per runner of a race, in FEATURE_CSV_COLUMNS order. */
export function featureCsvLines(race: RaceFeatures): string {
  const { runners, ...card } = race;
  return runners
    .map((runner) => {
      const flat = flatten(runner, '', { ...card });
      return `${FEATURE_CSV_COLUMNS.map((column) => cell(flat[column])).join(',')}\n`;
    })
    .join('');
}
