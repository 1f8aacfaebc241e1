import { normaliseRaceDate } from '@app/collection';

export const USAGE = `Usage: npm run cli -- collect --date YYYY-MM-DD --meet 1|2|3 [--results] [--no-details]

  --date        race day (YYYY-MM-DD or YYYYMMDD, Asia/Seoul)
  --meet        1 Seoul, 2 Jeju, 3 Busan-Gyeongnam (4 Yeongcheon)
  --results     also collect results, dividends and scratches
  --no-details  skip horse, jockey and trainer details (and the pre-race snapshot)

Exit status: 0 when everything was collected, 1 when anything failed, 2 for bad arguments.
`;

export class UsageError extends Error {
  constructor(
    message: string,
    readonly help = false,
  ) {
    super(message);
  }
}

export interface CollectArgs {
  date: string;
  meet: number;
  results: boolean;
  details: boolean;
}

export function parseCollectArgs(argv: string[]): CollectArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') throw new UsageError('', true);
  if (command !== 'collect') throw new UsageError(`Unknown command "${command}"`);
  const args: Partial<CollectArgs> = { results: false, details: true };
  for (let i = 0; i < rest.length; i += 1) {
    const flag = rest[i];
    const value = (): string => {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--date': {
        const raw = value();
        const date = normaliseRaceDate(raw);
        if (!date) throw new UsageError(`--date: "${raw}" is not a calendar date (YYYY-MM-DD)`);
        args.date = date;
        break;
      }
      case '--meet': {
        const raw = value();
        if (!/^[1-4]$/.test(raw)) throw new UsageError(`--meet: "${raw}" is not 1, 2, 3 or 4`);
        args.meet = Number(raw);
        break;
      }
      case '--results':
        args.results = true;
        break;
      case '--no-details':
        args.details = false;
        break;
      default:
        throw new UsageError(`Unknown option "${flag}"`);
    }
  }
  if (!args.date) throw new UsageError('--date is required');
  if (!args.meet) throw new UsageError('--meet is required');
  return args as CollectArgs;
}
