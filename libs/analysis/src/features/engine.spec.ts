import { describe, expect, it } from 'vitest';
import { FEATURE_VERSION } from './definitions';
import { FeatureHistory } from './engine';
import { HistoryRace, HistoryRunner, RaceCard } from './history';

const PRIZES = [1000, 400, 200];

function runner(gate: number, hrNo: string, jkNo: string, trNo: string, result: Partial<HistoryRunner>): HistoryRunner {
  return {
    gate,
    hrNo,
    jkNo,
    trNo,
    carriedWeightKg: 55,
    bodyWeightKg: 470,
    bodyWeightChange: 0,
    rating: null,
    scratched: false,
    finishPosition: null,
    finishStatus: 'finished',
    raceTimeS: null,
    winOdds: null,
    sectionals: {},
    ...result,
  };
}

function race(date: string, raceNo: number, moisturePercent: number, runners: HistoryRunner[]): HistoryRace {
  return { date, meet: 1, raceNo, distanceM: 1200, raceClass: '국6등급', moisturePercent, prizes: PRIZES, runners };
}

/** A hand-built history: a scratched runner, one pulled up, one disqualified, a dead heat, races without sectionals or odds. */
const HISTORY: HistoryRace[] = [
  race('2025-01-04', 1, 3, [
    runner(1, 'H1', 'J1', 'T1', {
      finishPosition: 1,
      raceTimeS: 72.0,
      winOdds: 2.0,
      carriedWeightKg: 54,
      rating: 20,
      sectionals: { sjS1fOrd: 1, seG3fAccTime: 35.0 },
    }),
    runner(2, 'H2', 'J2', 'T1', { finishPosition: 2, raceTimeS: 72.5, winOdds: 4.0, sectionals: { sjS1fOrd: 3 } }),
    runner(3, 'H3', 'J3', 'T2', { scratched: true, finishStatus: 'scratched' }),
    runner(4, 'H4', 'J4', 'T2', { finishStatus: 'pulled_up', winOdds: 10.0 }),
    runner(5, 'H5', 'J5', 'T2', {
      finishStatus: 'disqualified',
      raceTimeS: 72.8,
      winOdds: 5.0,
      sectionals: { sjS1fOrd: 2 },
    }),
  ]),
  // A dead heat for the win; no odds, no sectionals.
  race('2025-01-04', 2, 4, [
    runner(1, 'H6', 'J6', 'T3', { finishPosition: 1, raceTimeS: 72.4 }),
    runner(2, 'H7', 'J7', 'T3', { finishPosition: 1, raceTimeS: 72.4 }),
    runner(3, 'H8', 'J8', 'T3', { finishPosition: 3, raceTimeS: 73.0 }),
  ]),
  // Wet; H1 under another jockey.
  race('2025-01-11', 1, 12, [
    runner(1, 'H6', 'J6', 'T3', { finishPosition: 1, raceTimeS: 72.6, winOdds: 3.0 }),
    runner(2, 'H1', 'J2', 'T1', { finishPosition: 2, raceTimeS: 73.0, winOdds: 2.5, carriedWeightKg: 56, rating: 24 }),
    runner(3, 'H2', 'J1', 'T1', { finishPosition: 3, raceTimeS: 73.4, winOdds: 5.0 }),
  ]),
];

/** What must not count for a race of 2025-01-18: an earlier race of the same day, and later ones. */
const LATER: HistoryRace[] = [
  race('2025-01-18', 1, 3, [
    runner(1, 'H9', 'J9', 'T4', { finishPosition: 1, raceTimeS: 70.0, winOdds: 2.0 }),
    runner(2, 'H1', 'J1', 'T1', { finishPosition: 2, raceTimeS: 71.0, winOdds: 2.0 }),
    runner(4, 'H5', 'J5', 'T2', { finishPosition: 3, raceTimeS: 71.5, winOdds: 2.0 }),
  ]),
  race('2025-01-25', 1, 3, [runner(1, 'H1', 'J2', 'T1', { finishPosition: 1, raceTimeS: 69.0, winOdds: 1.5 })]),
];

const CARD: RaceCard = {
  date: '2025-01-18',
  meet: 1,
  raceNo: 3,
  distanceM: 1200,
  raceClass: '국5등급',
  prizes: PRIZES,
  runners: [
    {
      gate: 1,
      hrNo: 'H1',
      jkNo: 'J2',
      trNo: 'T1',
      carriedWeightKg: 57,
      bodyWeightKg: 480,
      bodyWeightChange: 2,
      rating: 26,
      scratched: false,
    },
    {
      gate: 2,
      hrNo: 'H9',
      jkNo: 'J9',
      trNo: 'T4',
      carriedWeightKg: 53,
      bodyWeightKg: 450,
      bodyWeightChange: null,
      rating: null,
      scratched: false,
    },
    {
      gate: 3,
      hrNo: 'H6',
      jkNo: 'J6',
      trNo: 'T3',
      carriedWeightKg: 55,
      bodyWeightKg: 500,
      bodyWeightChange: -1,
      rating: 30,
      scratched: true,
    },
    {
      gate: 4,
      hrNo: 'H5',
      jkNo: 'J5',
      trNo: 'T2',
      carriedWeightKg: 55,
      bodyWeightKg: 460,
      bodyWeightChange: 0,
      rating: 15,
      scratched: false,
    },
  ],
};

const EMPTY = { starts: 0, wins: 0, top3: 0, winRate: null, top3Rate: null };

describe(FeatureHistory.name, () => {
  const features = new FeatureHistory(HISTORY).raceFeatures(CARD);
  const [h1, h9, h6, h5] = features.runners;

  it('should date the row and count only race days before the race', () => {
    expect(features).toMatchObject({
      asOf: '2025-01-17T15:00:00.000Z',
      version: FEATURE_VERSION,
      likelyFrontRunners: 1,
    });
    // Adding the same day's earlier race and later ones changes nothing.
    expect(new FeatureHistory([...LATER, ...HISTORY]).raceFeatures(CARD)).toEqual(features);
  });

  it("should give a horse's form lines, newest first, worked out by hand", () => {
    expect(h1.form).toEqual({
      lastStarts: [
        {
          date: '2025-01-11',
          meet: 1,
          raceNo: 1,
          distanceM: 1200,
          going: 'wet',
          raceClass: '국6등급',
          fieldSize: 3,
          gate: 2,
          carriedWeightKg: 56,
          position: 2,
          status: 'finished',
          relativePosition: 0.5,
          behindWinnerS: 0.4,
          // Wet has one winner (no par of its own): the distance's par, 72.4 (median of 72.0, 72.4, 72.4, 72.6).
          speedFigure: 91.7,
          earlyPosition: null,
          earlyRelative: null,
          closingSectionalS: null,
        },
        {
          date: '2025-01-04',
          meet: 1,
          raceNo: 1,
          distanceM: 1200,
          going: 'dry',
          raceClass: '국6등급',
          // The scratched runner is not in the field.
          fieldSize: 4,
          gate: 1,
          carriedWeightKg: 54,
          position: 1,
          status: 'finished',
          relativePosition: 0,
          behindWinnerS: 0,
          // The dry par: median of 72.0, 72.4, 72.4 (the dead heat gives two winners' times).
          speedFigure: 105.5,
          earlyPosition: 1,
          earlyRelative: 0,
          closingSectionalS: 37,
        },
      ],
      daysSinceLastStart: 7,
      startsLast60Days: 2,
      firstStart: false,
    });
    expect(h1.speed).toEqual({ last: 91.7, best: 105.5, averageLast3: 98.6 });
    expect(h1.pace).toEqual({ runningStyle: 'front', averageEarlyRelative: 0 });
  });

  it('should count records, aptitudes, class and weight changes', () => {
    expect(h1.record).toEqual({
      career: { starts: 2, wins: 1, top3: 2, winRate: 0.5, top3Rate: 1, prize: 1400 },
      last365Days: { starts: 2, wins: 1, top3: 2, winRate: 0.5, top3Rate: 1, prize: 1400 },
    });
    expect(h1.aptitude).toEqual({
      distanceBand: 'sprint',
      atDistance: { starts: 2, wins: 1, top3: 2, winRate: 0.5, top3Rate: 1 },
      byGoing: {
        dry: { starts: 1, wins: 1, top3: 1, winRate: 1, top3Rate: 1 },
        good: EMPTY,
        wet: { starts: 1, wins: 0, top3: 1, winRate: 0, top3Rate: 1 },
        sloppy: EMPTY,
      },
      going: null,
      atGoing: null,
      atMeet: { starts: 2, wins: 1, top3: 2, winRate: 0.5, top3Rate: 1 },
    });
    expect(h1.classAndWeight).toEqual({
      rating: 26,
      ratingChange: 2,
      raceClass: '국5등급',
      classMove: 1,
      carriedWeightKg: 57,
      carriedWeightChange: 1,
      bodyWeightKg: 480,
      bodyWeightChange: 2,
    });
  });

  it('should rate jockeys, trainers and pairs over their windows, with A/E against the market', () => {
    expect(h1.connections).toEqual({
      // J2: 2nd on H2 (4.0 of a 1.05 book) and 2nd on H1 (2.5 of a 0.9333 book): no win from 0.667 expected.
      jockey: {
        days30: { starts: 2, wins: 0, top3: 2, winRate: 0, top3Rate: 1 },
        days90: { starts: 2, wins: 0, top3: 2, winRate: 0, top3Rate: 1 },
        days365: { starts: 2, wins: 0, top3: 2, winRate: 0, top3Rate: 1 },
        ae365: 0,
      },
      // T1: H1 won at 2.0 (0.476 of the book), then 2nd, 2nd and 3rd: 1 win from 1.357 expected.
      trainer: {
        days30: { starts: 4, wins: 1, top3: 4, winRate: 0.25, top3Rate: 1 },
        days90: { starts: 4, wins: 1, top3: 4, winRate: 0.25, top3Rate: 1 },
        days365: { starts: 4, wins: 1, top3: 4, winRate: 0.25, top3Rate: 1 },
        ae365: 0.737,
      },
      jockeyTrainer: { starts: 2, wins: 0, top3: 2, winRate: 0, top3Rate: 1 },
      jockeyHorse: { starts: 1, wins: 0, top3: 1, winRate: 0, top3Rate: 1 },
      jockeyChanged: false,
    });
    // T3's dead heat is two wins; that race had no odds, so A/E counts only the priced run: H6's win
    // at 3.0 in a 0.9333 book, 0.357 expected.
    expect(h6.connections.trainer).toMatchObject({
      days365: { starts: 4, wins: 3, top3: 4, winRate: 0.75, top3Rate: 1 },
      ae365: 2.8,
    });
  });

  it('should give the draw at this meet and distance band against the field-size expectation', () => {
    // Gate 1: three wins from 1/4 + 1/3 + 1/3 expected.
    expect(h1.draw).toEqual({ gate: 1, distanceBand: 'sprint', starts: 3, wins: 3, expectedWins: 0.917, ae: 3.273 });
    expect(h9.draw).toEqual({ gate: 2, distanceBand: 'sprint', starts: 3, wins: 1, expectedWins: 0.917, ae: 1.091 });
  });

  it('should give a first starter no form, and keep a scratched runner flagged', () => {
    expect(h9.form).toEqual({ lastStarts: [], daysSinceLastStart: null, startsLast60Days: 0, firstStart: true });
    expect(h9.record.career).toEqual({ ...EMPTY, prize: 0 });
    expect(h9.speed).toEqual({ last: null, best: null, averageLast3: null });
    expect(h9.pace).toEqual({ runningStyle: null, averageEarlyRelative: null });
    expect(h9.connections.jockey).toEqual({ days30: EMPTY, days90: EMPTY, days365: EMPTY, ae365: null });
    expect(h9.connections.jockeyChanged).toBeNull();
    expect(h6).toMatchObject({ scratched: true, record: { career: { starts: 2, wins: 2 } } });
  });

  it('should count a disqualified and a pulled-up runner as starts without a placing', () => {
    expect(h5.form.lastStarts).toEqual([
      expect.objectContaining({
        status: 'disqualified',
        position: null,
        relativePosition: null,
        behindWinnerS: 0.8,
        speedFigure: 94.5,
        earlyPosition: 2,
        earlyRelative: 0.333,
      }),
    ]);
    expect(h5.record.career).toEqual({ starts: 1, wins: 0, top3: 0, winRate: 0, top3Rate: 0, prize: 0 });
    expect(h5.pace.runningStyle).toBe('stalker');
    // T2: H4 pulled up and H5 disqualified are starts; H3 was scratched.
    expect(h5.connections.trainer?.days365).toEqual({ starts: 2, wins: 0, top3: 0, winRate: 0, top3Rate: 0 });
  });
});

describe('speed figures', () => {
  /** Three races of a day at 1,200 m on a dry track, each won in `time` (and, in the first, `second` 0.2 s behind). */
  const day = (date: string, raceClass: string, time: number, second?: string): HistoryRace[] =>
    [1, 2, 3].map((raceNo) => ({
      ...race(date, raceNo, 3, [
        runner(1, `W${date}${raceNo}`, 'J1', 'T1', { finishPosition: 1, raceTimeS: time }),
        ...(second && raceNo === 1
          ? [runner(2, second, 'J2', 'T2', { finishPosition: 2, raceTimeS: round1(time + 0.2) })]
          : []),
      ]),
      raceClass,
    }));
  const round1 = (value: number): number => Math.round(value * 10) / 10;
  // Class 6 in 72.0, class 1 in 71.0 (a better class, not a faster track), class 6 again in 71.6 (a fast track).
  const history = new FeatureHistory([
    ...day('2025-03-01', '국6등급', 72.0),
    ...day('2025-03-08', '국1등급', 71.0),
    ...day('2025-03-15', '국6등급', 71.6, 'HC'),
  ]);

  it("should measure each run against the par, its class's points and the day's variant, worked out by hand", () => {
    const pars = history.pars('2025-03-22');
    // Nine winners: the median of 71.0 ×3, 71.6 ×3, 72.0 ×3.
    expect(pars.byDistance.get('1|1200')).toEqual({ timeS: 71.6, winners: 9 });
    expect(pars.byGoing.get('1|1200|dry')).toEqual({ timeS: 71.6, winners: 9 });
    // Points above par: 72.0 → 100 + 1000 × (71.6 − 72.0) / 71.6 = 94.41; 71.0 → 108.38; 71.6 → 100.
    // Class 6: the median of −5.59 ×3 and 0 ×3 = −2.79; class 1: +8.38.
    expect(pars.byClass.get('1|6')).toEqual({ points: -2.8, winners: 6 });
    expect(pars.byClass.get('1|1')).toEqual({ points: 8.4, winners: 3 });
    // Variants: 1 March 94.41 − 100 + 2.8 = −2.79 (slow); 8 March 108.38 − 100 − 8.4 ≈ 0; 15 March 100 − 100 + 2.8 (fast).
    expect(pars.variants.get('2025-03-01|1')).toEqual({ points: -2.8, races: 3 });
    expect(pars.variants.get('2025-03-08|1')).toEqual({ points: 0, races: 3 });
    expect(pars.variants.get('2025-03-15|1')).toEqual({ points: 2.8, races: 3 });
    // The class-6 winners of the slow and the fast day rate alike; the class-1 winners 11.2 points better.
    const figure = (hrNo: string): number | null => history.formLines(hrNo, '2025-03-22', 1)[0].speedFigure;
    expect(figure('W2025-03-011')).toBe(97.2);
    expect(figure('W2025-03-151')).toBe(97.2);
    expect(figure('W2025-03-081')).toBe(108.4);
    // 0.2 s behind on the fast day: 100 + 1000 × (71.6 − 71.8) / 71.6 − 2.8 = 94.4.
    expect(figure('HC')).toBe(94.4);
  });

  it('should have no variant for a day with fewer than three winners with a par, and no figure without a par', () => {
    const early = new FeatureHistory(day('2025-03-01', '국6등급', 72.0).slice(0, 2));
    // Two winners: no par yet, so no figure.
    expect(early.formLines('W2025-03-011', '2025-03-22', 1)[0].speedFigure).toBeNull();
    expect(history.pars('2025-03-08').variants.size).toBe(1);
    // As of 8 March only 1 March counts: its own par and class, no variant to speak of.
    expect(history.pars('2025-03-08').variants.get('2025-03-01|1')).toEqual({ points: 0, races: 3 });
  });
});
