import { describe, expect, it } from 'vitest';
import { NormalRng, winProbabilities } from './normal';
import { Rng } from '../random';
import { lowestBy, priceRace, simulateWorld, WIN_TAKEOUT } from './simulation';
import { worldStats } from './world-stats';

describe('winProbabilities', () => {
  const means = [0.3, -0.2, 0.9, 0.1, -1.1, 0.5, 0.0, -0.4, 1.4, -0.8];
  const noises = means.map((_, i) => ({ sigma: 1.2 * (0.8 + (i % 5) * 0.1), troubleChance: 0.1, troubleLoss: 1.8 }));

  it('should sum to one and agree with a simulation of the same races', () => {
    const exact = winProbabilities(means, noises);
    expect(exact.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const normal = new NormalRng(new Rng('test', 'monte-carlo'));
    const rng = new Rng('test', 'trouble');
    const wins = new Array<number>(means.length).fill(0);
    const draws = 200_000;
    for (let d = 0; d < draws; d++) {
      let best = -Infinity;
      let winner = 0;
      means.forEach((mean, i) => {
        const value =
          mean - (rng.chance(noises[i].troubleChance) ? noises[i].troubleLoss : 0) + noises[i].sigma * normal.next();
        if (value > best) [best, winner] = [value, i];
      });
      wins[winner] += 1;
    }
    // Four standard errors of the simulated share.
    exact.forEach((p, i) => expect(Math.abs(wins[i] / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws)));
  });
});

describe('lowestBy', () => {
  it('should pick what a stable sort and a slice pick, scoring each item once in order', () => {
    const rng = new Rng('test', 'lowest');
    for (let trial = 0; trial < 200; trial++) {
      // Few distinct scores, so ties are common.
      const items = Array.from({ length: rng.int(0, 40) }, (_, id) => ({ id, score: rng.int(0, 9) }));
      const count = rng.int(1, 16);
      const scored: number[] = [];
      const picked = lowestBy(items, count, (item) => {
        scored.push(item.id);
        return item.score;
      });
      expect(picked).toEqual([...items].sort((a, b) => a.score - b.score).slice(0, count));
      expect(scored).toEqual(items.map((item) => item.id));
    }
  });
});

describe('the simulated world', () => {
  it('should be the same world however far it is simulated', () => {
    const short = simulateWorld({ seed: 'kra-sandbox', start: '20220101', end: '20220331' });
    const long = simulateWorld({ seed: 'kra-sandbox', start: '20220101', end: '20220630' });
    for (const [key, races] of short.days) expect(long.days.get(key)).toEqual(races);
  });

  it('should price a race the same whenever it is asked', () => {
    const world = simulateWorld({ seed: 'kra-sandbox', start: '20220101', end: '20220331' });
    const race = [...world.days.values()][20][3];
    expect(race.priced).toBe(false);
    const copy = structuredClone(race);
    priceRace('kra-sandbox', race);
    priceRace('kra-sandbox', copy);
    expect(race).toEqual(copy);
    const starters = race.runners.filter((runner) => !runner.scratched);
    expect(starters.reduce((sum, runner) => sum + runner.truthWin, 0)).toBeCloseTo(1, 9);
    expect(starters.every((runner) => runner.winOdds >= 1)).toBe(true);
  });

  // Real KRA, 2025–2026: the market favourite wins 37.7 % and is placed in 69.0 % of races.
  it.each(['kra-sandbox', 'other-seed'])(
    'should race like KRA over a year (seed %s)',
    (seed) => {
      const stats = worldStats(simulateWorld({ seed, start: '20220101', end: '20251231' }), '20250101', '20251231');
      expect(stats.races).toBeGreaterThan(2500);
      expect(stats.favouriteWinRate).toBeGreaterThanOrEqual(0.36);
      expect(stats.favouriteWinRate).toBeLessThanOrEqual(0.4);
      expect(stats.favouriteTop3Rate).toBeGreaterThanOrEqual(0.66);
      expect(stats.favouriteTop3Rate).toBeLessThanOrEqual(0.72);
      expect(stats.topRatedWinRate).toBeGreaterThanOrEqual(0.18);
      expect(stats.topRatedWinRate).toBeLessThanOrEqual(0.28);
      expect(stats.meanField).toBeGreaterThanOrEqual(9.5);
      expect(stats.meanField).toBeLessThanOrEqual(11.5);
      expect(Math.abs(stats.medianOverround - 1 / (1 - WIN_TAKEOUT))).toBeLessThanOrEqual(0.03);
      // The favourite–longshot bias: at 30 or more, at least 20 % fewer winners than the odds imply.
      expect(stats.longshotWinRatio).toBeLessThanOrEqual(0.8);
      // The market is nearly as good as the truth.
      expect(stats.marketEce).toBeLessThanOrEqual(0.01);
      expect(stats.marketLogLoss).toBeLessThanOrEqual(stats.truthLogLoss * 1.03);
      expect(stats.truthFavouriteWinRate - stats.favouriteWinRate).toBeLessThanOrEqual(0.03);
      // The truth is calibrated against the results.
      for (const decile of stats.truthDeciles)
        expect(Math.abs(decile.observed - decile.expected)).toBeLessThanOrEqual(3 * decile.standardError);
    },
    60_000,
  );
});
