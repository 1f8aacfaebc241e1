import { Rng } from '../random';

/**
 * The race noise of the world is normal (a Thurstone model, not the Gumbel noise a conditional
 * logit assumes), so win probabilities are a one-dimensional integral, computed here by quadrature.
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Φ(z), from erfc (Numerical Recipes' Chebyshev fit: relative error below 1.2e-7 everywhere). */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (x >= 0 ? erfc : 2 - erfc);
}

const GRID_POINTS = 64;

/**
 * A runner's race noise: normal with its own standard deviation, except that with probability
 * `troubleChance` the run is a troubled one (a bad start, a blocked run) and loses `troubleLoss`.
 * A mixture, so not the Gumbel noise a conditional logit assumes.
 */
export interface RaceNoise {
  sigma: number;
  troubleChance: number;
  troubleLoss: number;
}

function density(x: number, mean: number, noise: RaceNoise): number {
  const { sigma, troubleChance: q, troubleLoss: loss } = noise;
  return ((1 - q) * normalPdf((x - mean) / sigma) + q * normalPdf((x - mean + loss) / sigma)) / sigma;
}

function cdf(x: number, mean: number, noise: RaceNoise): number {
  const { sigma, troubleChance: q, troubleLoss: loss } = noise;
  return (1 - q) * normalCdf((x - mean) / sigma) + q * normalCdf((x - mean + loss) / sigma);
}

/**
 * P(runner i has the highest performance) when performance_i = means_i + noise_i, independent:
 * ∫ f_i(x) Π_{j≠i} F_j(x) dx on a fine grid, normalised so the probabilities sum to 1.
 */
export function winProbabilities(means: readonly number[], noises: readonly RaceNoise[]): number[] {
  const n = means.length;
  if (n === 0) return [];
  if (n === 1) return [1];
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < n; i++) {
    low = Math.min(low, means[i] - noises[i].troubleLoss - 7 * noises[i].sigma);
    high = Math.max(high, means[i] + 7 * noises[i].sigma);
  }
  const step = (high - low) / (GRID_POINTS - 1);
  const totals = new Array<number>(n).fill(0);
  const logCdf = new Array<number>(n);
  for (let g = 0; g < GRID_POINTS; g++) {
    const x = low + g * step;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      logCdf[j] = Math.log(Math.max(1e-300, cdf(x, means[j], noises[j])));
      sum += logCdf[j];
    }
    const weight = g === 0 || g === GRID_POINTS - 1 ? 0.5 : 1;
    for (let i = 0; i < n; i++) {
      const f = density(x, means[i], noises[i]);
      if (f > 0) totals[i] += weight * f * Math.exp(sum - logCdf[i]);
    }
  }
  const total = totals.reduce((a, b) => a + b, 0);
  return totals.map((value) => value / total);
}

/** Standard normal draws (Box–Muller) from a seeded stream. */
export class NormalRng {
  private spare: number | null = null;

  constructor(readonly rng: Rng) {}

  next(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = Math.max(1e-12, this.rng.next());
    const v = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
