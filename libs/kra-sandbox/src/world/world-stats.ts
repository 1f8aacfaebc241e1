import { priceRace, SimRace, SimRunner, WIN_TAKEOUT, WorldHistory } from './simulation';

/** What `npm run sandbox:stats` prints and the world's tests hold to the real figures. */
export interface WorldStats {
  races: number;
  cancelledRaces: number;
  runners: number;
  meanField: number;
  fieldSizes: Record<number, number>;
  favouriteWinRate: number;
  favouriteTop3Rate: number;
  topRatedWinRate: number;
  truthFavouriteWinRate: number;
  medianOverround: number;
  /** Runners at odds ≥ 30: wins observed ÷ wins their takeout-normalised implied probability expects. */
  longshotWinRatio: number;
  /** Win rate ÷ implied probability by odds band. */
  oddsBands: { band: string; runners: number; winRate: number; implied: number }[];
  marketEce: number;
  marketLogLoss: number;
  truthLogLoss: number;
  /** Per decile of the truth's win probabilities (ten equal groups, lowest first): runners, observed and expected winners, √Σp(1−p). */
  truthDeciles: { runners: number; observed: number; expected: number; standardError: number }[];
  /** Win rate of the inside half against the outside half of the gates, at 1,200 m or less and above. */
  drawEffect: { shortInside: number; shortOutside: number; longInside: number; longOutside: number };
  firstStarterShare: number;
  scratchRate: number;
}

const BANDS: [number, number][] = [
  [1, 2],
  [2, 4],
  [4, 8],
  [8, 15],
  [15, 30],
  [30, 1000],
];

/** The world's statistics over the race days from `from` to `to` (YYYYMMDD, both included). */
export function worldStats(history: WorldHistory, from: string, to: string): WorldStats {
  const races: SimRace[] = [];
  let cancelledRaces = 0;
  for (const [key, dayRaces] of history.days) {
    const date = key.slice(0, 8);
    if (date < from || date > to) continue;
    for (const race of dayRaces) {
      if (race.replaced) continue;
      if (race.cancelled) cancelledRaces += 1;
      else races.push(priceRace(history.options.seed, race));
    }
  }
  const fieldSizes: Record<number, number> = {};
  let runners = 0;
  let scratched = 0;
  let firstStarters = 0;
  let favouriteWins = 0;
  let favouriteTop3 = 0;
  let topRatedWins = 0;
  let truthFavouriteWins = 0;
  let marketLogLoss = 0;
  let truthLogLoss = 0;
  const overrounds: number[] = [];
  const bandTotals = BANDS.map(() => ({ runners: 0, wins: 0, implied: 0 }));
  const eceBins = Array.from({ length: 10 }, () => ({ n: 0, predicted: 0, observed: 0 }));
  const truthPredictions: { p: number; won: number }[] = [];
  const draw = { shortInside: [0, 0], shortOutside: [0, 0], longInside: [0, 0], longOutside: [0, 0] };
  let marketPredictions = 0;
  for (const race of races) {
    const starters = race.runners.filter((runner) => !runner.scratched);
    scratched += race.runners.length - starters.length;
    runners += starters.length;
    fieldSizes[starters.length] = (fieldSizes[starters.length] ?? 0) + 1;
    firstStarters += starters.filter((runner) => runner.daysSinceLastRun === null).length;
    const overround = starters.reduce((sum, runner) => sum + 1 / runner.winOdds, 0);
    overrounds.push(overround);
    const best = (score: (runner: SimRunner) => number): SimRunner =>
      starters.reduce((top, runner) => (score(runner) > score(top) ? runner : top));
    const favourite = best((runner) => 1 / runner.winOdds + runner.publicWin * 1e-9);
    if (favourite.ord === 1) favouriteWins += 1;
    if (favourite.ord <= 3) favouriteTop3 += 1;
    if (best((runner) => runner.rating - runner.gate * 1e-6).ord === 1) topRatedWins += 1;
    if (best((runner) => runner.truthWin).ord === 1) truthFavouriteWins += 1;
    const winner = starters.find((runner) => runner.ord === 1) as SimRunner;
    marketLogLoss -= Math.log(1 / winner.winOdds / overround);
    truthLogLoss -= Math.log(winner.truthWin);
    const sorted = [...starters].sort((a, b) => a.gate - b.gate);
    sorted.forEach((runner, position) => {
      const implied = 1 / runner.winOdds / overround;
      const won = runner.ord === 1 ? 1 : 0;
      const band = BANDS.findIndex(([low, high]) => runner.winOdds >= low && runner.winOdds < high);
      if (band >= 0) {
        bandTotals[band].runners += 1;
        bandTotals[band].wins += won;
        bandTotals[band].implied += implied;
      }
      const bin = eceBins[Math.min(9, Math.floor(implied * 10))];
      bin.n += 1;
      bin.predicted += implied;
      bin.observed += won;
      marketPredictions += 1;
      const inside = position < sorted.length / 2;
      const cell =
        race.distance <= 1200
          ? inside
            ? draw.shortInside
            : draw.shortOutside
          : inside
            ? draw.longInside
            : draw.longOutside;
      cell[0] += 1;
      cell[1] += won;
    });
    for (const runner of starters) truthPredictions.push({ p: runner.truthWin, won: runner.ord === 1 ? 1 : 0 });
  }
  const n = races.length || 1;
  const rate = ([count, wins]: number[]): number => (count ? wins / count : 0);
  const longshots = bandTotals[bandTotals.length - 1];
  overrounds.sort((a, b) => a - b);
  return {
    races: races.length,
    cancelledRaces,
    runners,
    meanField: runners / n,
    fieldSizes,
    favouriteWinRate: favouriteWins / n,
    favouriteTop3Rate: favouriteTop3 / n,
    topRatedWinRate: topRatedWins / n,
    truthFavouriteWinRate: truthFavouriteWins / n,
    medianOverround: overrounds[Math.floor(overrounds.length / 2)] ?? 1 / (1 - WIN_TAKEOUT),
    longshotWinRatio: longshots.implied ? longshots.wins / longshots.implied : 0,
    oddsBands: BANDS.map(([low, high], i) => ({
      band: high >= 1000 ? `${low}+` : `${low}–${high}`,
      runners: bandTotals[i].runners,
      winRate: bandTotals[i].runners ? bandTotals[i].wins / bandTotals[i].runners : 0,
      implied: bandTotals[i].runners ? bandTotals[i].implied / bandTotals[i].runners : 0,
    })),
    marketEce: eceBins.reduce((sum, bin) => sum + Math.abs(bin.predicted - bin.observed), 0) / (marketPredictions || 1),
    marketLogLoss: marketLogLoss / n,
    truthLogLoss: truthLogLoss / n,
    truthDeciles: deciles(truthPredictions),
    drawEffect: {
      shortInside: rate(draw.shortInside),
      shortOutside: rate(draw.shortOutside),
      longInside: rate(draw.longInside),
      longOutside: rate(draw.longOutside),
    },
    firstStarterShare: runners ? firstStarters / runners : 0,
    scratchRate: runners + scratched ? scratched / (runners + scratched) : 0,
  };
}

function deciles(predictions: { p: number; won: number }[]): WorldStats['truthDeciles'] {
  const sorted = [...predictions].sort((a, b) => a.p - b.p);
  return Array.from({ length: 10 }, (_, i) => {
    const group = sorted.slice(Math.floor((i * sorted.length) / 10), Math.floor(((i + 1) * sorted.length) / 10));
    return {
      runners: group.length,
      observed: group.reduce((sum, x) => sum + x.won, 0),
      expected: group.reduce((sum, x) => sum + x.p, 0),
      standardError: Math.sqrt(group.reduce((sum, x) => sum + x.p * (1 - x.p), 0)),
    };
  });
}
