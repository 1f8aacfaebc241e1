import { daysBetween, MAX_RANGE_DAYS, normaliseRaceDate } from '@app/collection';

export const USAGE = `Usage: npm run cli -- collect --date YYYY-MM-DD --meet 1|2|3 [--results | --no-results] [--no-details]
       npm run cli -- export-legacy <dir> --from YYYY-MM-DD --to YYYY-MM-DD [--meet 1|2|3]
       npm run cli -- import-legacy <dir> [--dry-run] [--concurrency N]
       npm run cli -- legacy-collect YYYYMMDD [MEET] [--out data/races]

  --date        race day (YYYY-MM-DD or YYYYMMDD, Asia/Seoul)
  --meet        1 Seoul, 2 Jeju, 3 Busan-Gyeongnam (4 Yeongcheon)
  --results     also collect results, dividends and scratches (the default for a day that is over:
                before today in Asia/Seoul); --no-results: cards and details only
  --no-details  skip horse, jockey and trainer details (and the pre-race snapshot)

export-legacy writes the races of a range as legacy files, <dir>/YYYY/MM/YYYYMMDD/<venue>/race_*_prerace.json
(and _enriched.json where pre-race snapshots exist):
  <dir>         root of the legacy tree (the old data/races)
  --from, --to  first and last race day, both included, at most ${MAX_RANGE_DAYS} days
  --meet        only this meet (default: 1, 2 and 3)

import-legacy reads a legacy tree (or any part of it, e.g. <dir>/2025/05) into the database:
  <dir>           root of the legacy tree (the old data/races)
  --dry-run       parse and check every file and report what would be imported; write nothing
  --concurrency   races imported at once, 1 to 16 (default 4)

legacy-collect takes the old scripts' arguments (collect_and_preprocess.js DATE MEET): collects the day of the
meet (1 when omitted; results too for a day that is over) and writes its files as export-legacy does:
  --out         root of the legacy tree (default data/races)

Every command: --json prints the JSON report on stdout also on a terminal (off a terminal it always does).
Progress and log lines go to stderr.

Exit status: 0 when everything was collected, exported or imported, 1 when anything failed, 2 for bad arguments.
`;

export class UsageError extends Error {
  constructor(
    message: string,
    readonly help = false,
  ) {
    super(message);
  }
}

/**
 * Hands each argument after the command to `onArg`, with `value()` to take the next argument as that
 * option's value (a usage error when there is none or it is another option).
 */
function eachArg(rest: string[], onArg: (arg: string, value: () => string) => void): void {
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    onArg(arg, () => {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      i += 1;
      return next;
    });
  }
}

/** A command's one positional argument, its directory: anything else starting with "-" is an unknown option. */
function directoryArg(current: string | undefined, arg: string): string {
  if (arg.startsWith('-')) throw new UsageError(`Unknown option "${arg}"`);
  if (current !== undefined) throw new UsageError(`Only one directory, not "${current}" and "${arg}"`);
  return arg;
}

/** An option's race day as YYYY-MM-DD (it may be given as YYYYMMDD too). */
function raceDateArg(flag: string, raw: string): string {
  const date = normaliseRaceDate(raw);
  if (!date) throw new UsageError(`${flag}: "${raw}" is not a calendar date (YYYY-MM-DD)`);
  return date;
}

export interface CollectArgs {
  date: string;
  meet: number;
  /** Absent: results too when the day is over (before today in Asia/Seoul). */
  results?: boolean;
  details: boolean;
}

export function parseCollectArgs(argv: string[]): CollectArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') throw new UsageError('', true);
  if (command !== 'collect') throw new UsageError(`Unknown command "${command}"`);
  const args: Partial<CollectArgs> = { details: true };
  eachArg(rest, (arg, value) => {
    switch (arg) {
      case '--date':
        args.date = raceDateArg(arg, value());
        break;
      case '--meet': {
        const raw = value();
        if (!/^[1-4]$/.test(raw)) throw new UsageError(`--meet: "${raw}" is not 1, 2, 3 or 4`);
        args.meet = Number(raw);
        break;
      }
      case '--results':
        args.results = true;
        break;
      case '--no-results':
        args.results = false;
        break;
      case '--no-details':
        args.details = false;
        break;
      default:
        throw new UsageError(`Unknown option "${arg}"`);
    }
  });
  if (!args.date) throw new UsageError('--date is required');
  if (!args.meet) throw new UsageError('--meet is required');
  return args as CollectArgs;
}

export interface ExportLegacyArgs {
  dir: string;
  /** YYYY-MM-DD */
  from: string;
  to: string;
  meet?: number;
}

export interface ImportLegacyArgs {
  dir: string;
  dryRun: boolean;
  concurrency: number;
}

/** Options every command takes. */
export interface CommonArgs {
  /** Print the JSON report on stdout even on a terminal (off a terminal it is always printed). */
  json: boolean;
}

export interface LegacyCollectArgs {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  out: string;
}

export type CliCommand = CommonArgs &
  (
    | ({ command: 'collect' } & CollectArgs)
    | ({ command: 'export-legacy' } & ExportLegacyArgs)
    | ({ command: 'import-legacy' } & ImportLegacyArgs)
    | ({ command: 'legacy-collect' } & LegacyCollectArgs)
  );

/** Any command line: `--json` anywhere after the command, then each command's own parser checks its options. */
export function parseCliArgs(argv: string[]): CliCommand {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const own = [command, ...rest.filter((arg) => arg !== '--json')].filter((arg) => arg !== undefined);
  if (command === 'export-legacy') return { command: 'export-legacy', json, ...parseExportLegacyArgs(own) };
  if (command === 'import-legacy') return { command: 'import-legacy', json, ...parseImportLegacyArgs(own) };
  if (command === 'legacy-collect') return { command: 'legacy-collect', json, ...parseLegacyCollectArgs(own) };
  return { command: 'collect', json, ...parseCollectArgs(own) };
}

/** `export-legacy <dir> --from YYYY-MM-DD --to YYYY-MM-DD [--meet 1|2|3]` */
export function parseExportLegacyArgs(argv: string[]): ExportLegacyArgs {
  const [command, ...rest] = argv;
  if (command !== 'export-legacy') throw new UsageError(`Unknown command "${command}"`);
  const args: Partial<ExportLegacyArgs> = {};
  eachArg(rest, (arg, value) => {
    switch (arg) {
      case '--from':
        args.from = raceDateArg(arg, value());
        break;
      case '--to':
        args.to = raceDateArg(arg, value());
        break;
      case '--meet': {
        const raw = value();
        if (!/^[1-3]$/.test(raw)) throw new UsageError(`--meet: "${raw}" is not 1, 2 or 3`);
        args.meet = Number(raw);
        break;
      }
      default:
        args.dir = directoryArg(args.dir, arg);
    }
  });
  if (!args.dir) throw new UsageError('export-legacy needs a directory');
  if (!args.from) throw new UsageError('--from is required');
  if (!args.to) throw new UsageError('--to is required');
  const days = daysBetween(args.from, args.to);
  if (days < 0) throw new UsageError('--to must not be before --from');
  if (days + 1 > MAX_RANGE_DAYS) throw new UsageError(`--from..--to may span at most ${MAX_RANGE_DAYS} days`);
  return args as ExportLegacyArgs;
}

/** `legacy-collect YYYYMMDD [MEET] [--out data/races]`: the old scripts' `collect_and_preprocess.js DATE MEET`. */
export function parseLegacyCollectArgs(argv: string[]): LegacyCollectArgs {
  const [command, ...rest] = argv;
  if (command !== 'legacy-collect') throw new UsageError(`Unknown command "${command}"`);
  const positional: string[] = [];
  const args: Partial<LegacyCollectArgs> = { out: 'data/races' };
  eachArg(rest, (arg, value) => {
    if (arg === '--out') args.out = value();
    else if (arg.startsWith('-')) throw new UsageError(`Unknown option "${arg}"`);
    else positional.push(arg);
  });
  const [date, meet, extra] = positional;
  if (extra !== undefined) throw new UsageError(`legacy-collect takes a date and a meet, not also "${extra}"`);
  if (date === undefined) throw new UsageError('legacy-collect needs a date (YYYYMMDD)');
  args.date = raceDateArg('date', date);
  if (meet !== undefined && !/^[1-3]$/.test(meet)) throw new UsageError(`meet: "${meet}" is not 1, 2 or 3`);
  args.meet = meet === undefined ? 1 : Number(meet);
  return args as LegacyCollectArgs;
}

/** `import-legacy <dir> [--dry-run] [--concurrency N]` */
export function parseImportLegacyArgs(argv: string[]): ImportLegacyArgs {
  const [command, ...rest] = argv;
  if (command !== 'import-legacy') throw new UsageError(`Unknown command "${command}"`);
  const args: Partial<ImportLegacyArgs> = { dryRun: false, concurrency: 4 };
  eachArg(rest, (arg, value) => {
    switch (arg) {
      case '--dry-run':
        args.dryRun = true;
        break;
      case '--concurrency': {
        const raw = value();
        if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1 || Number(raw) > 16)
          throw new UsageError(`--concurrency: "${raw}" is not a number from 1 to 16`);
        args.concurrency = Number(raw);
        break;
      }
      default:
        args.dir = directoryArg(args.dir, arg);
    }
  });
  if (!args.dir) throw new UsageError('import-legacy needs a directory');
  return args as ImportLegacyArgs;
}
