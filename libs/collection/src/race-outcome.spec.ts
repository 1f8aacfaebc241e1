import { describe, expect, it } from 'vitest';
import { hasRun, raceOutcome } from './race-outcome';

describe(raceOutcome.name, () => {
  it('should call a race finished once a runner has a position, whatever the scratches', () => {
    expect(raceOutcome(['finished', 'scratched', 'disqualified', 'pulled_up'], { noRace: false })).toBe('finished');
  });

  it('should wait while the rows are the card (no position yet)', () => {
    expect(raceOutcome([null, null, 'scratched'], { noRace: false })).toBeNull();
    expect(raceOutcome([], undefined)).toBeNull();
    expect(hasRun([null, 'scratched'])).toBe(false);
  });

  it('should take API299 flagging the race not run as cancelled, results or not', () => {
    expect(raceOutcome([null, null], { noRace: true })).toBe('cancelled');
    expect(raceOutcome(['cancelled', 'cancelled'], undefined)).toBe('cancelled');
  });

  it('should call a race void when a row says so, before anything else', () => {
    expect(raceOutcome(['void', 'finished'], { noRace: true })).toBe('void');
  });
});
