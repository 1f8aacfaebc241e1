import { simulateWorld, WORLD_START, worldStats } from '@app/kra-sandbox';

/**
 * `npm run sandbox:stats -- --from YYYY-MM-DD --to YYYY-MM-DD [--seed S] [--world-start YYYY-MM-DD]`:
 * the simulated world's statistics over a period (the seed defaults to KRA_SANDBOX_SEED, then the
 * sandbox's own; the world's first day to KRA_SANDBOX_WORLD_START, then 2022-01-01).
 */
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function day(value: string | undefined, name: string): string {
  const compact = value?.replaceAll('-', '') ?? '';
  const iso = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  if (!/^\d{8}$/.test(compact) || Number.isNaN(date.getTime()) || !date.toISOString().startsWith(iso))
    throw new Error(`--${name} YYYY-MM-DD is required (a real date)`);
  return compact;
}

const percent = (value: number): string => `${(100 * value).toFixed(1)}%`;

function main(): void {
  const from = day(argument('from'), 'from');
  const to = day(argument('to'), 'to');
  const start =
    argument('world-start') || process.env.KRA_SANDBOX_WORLD_START
      ? day(argument('world-start') ?? process.env.KRA_SANDBOX_WORLD_START, 'world-start')
      : WORLD_START;
  if (from < start) throw new Error(`--from must not be before the world's start, ${start}`);
  if (to < from) throw new Error('--to must not be before --from');
  const seed = argument('seed') ?? (process.env.KRA_SANDBOX_SEED || 'kra-sandbox');
  const started = Date.now();
  const stats = worldStats(simulateWorld({ seed, start, end: to }), from, to);
  const lines = [
    `world seed ${seed}, simulated from ${start} to ${to} in ${((Date.now() - started) / 1000).toFixed(1)} s; statistics ${from}..${to}`,
    `races ${stats.races} (and ${stats.cancelledRaces} cancelled), runners ${stats.runners}, mean field ${stats.meanField.toFixed(2)}`,
    `field sizes: ${Object.entries(stats.fieldSizes)
      .map(([size, count]) => `${size}:${count}`)
      .join(' ')}`,
    `market favourite: wins ${percent(stats.favouriteWinRate)}, top 3 ${percent(stats.favouriteTop3Rate)}; the truth's favourite wins ${percent(stats.truthFavouriteWinRate)}`,
    `top-rated runner wins ${percent(stats.topRatedWinRate)}`,
    `median Σ 1/odds ${stats.medianOverround.toFixed(3)} (takeout 20%: 1.250)`,
    `win rate by odds band against the implied probability (takeout removed):`,
    ...stats.oddsBands.map(
      (band) =>
        `  ${band.band.padEnd(6)} ${String(band.runners).padStart(6)} runners  wins ${percent(band.winRate).padStart(6)}  implied ${percent(band.implied).padStart(6)}`,
    ),
    `longshots (30+): ${stats.longshotWinRatio.toFixed(2)} × the winners their odds imply`,
    `market calibration error (ECE, 10 bins) ${stats.marketEce.toFixed(4)}; winner log loss: market ${stats.marketLogLoss.toFixed(4)}, truth ${stats.truthLogLoss.toFixed(4)}`,
    `draw (win rate, inside half vs outside half): ≤1200 m ${percent(stats.drawEffect.shortInside)} vs ${percent(stats.drawEffect.shortOutside)}; longer ${percent(stats.drawEffect.longInside)} vs ${percent(stats.drawEffect.longOutside)}`,
    `first starters ${percent(stats.firstStarterShare)} of runners; scratches ${percent(stats.scratchRate)} of entries`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
