import { RawValue, SECTIONAL_FIELDS } from '@app/kra-client';

import { MeetCode } from './meets';
import { round1 } from './random';

/**
 * Sectional times and positions of API214_1. Each track fills only its own family of fields —
 * Busan `bu*`, Seoul `se*` + `sj*`, Jeju `je*` + `sj*` — and the others are 0, as the gateway does.
 */

const FURLONG = 200;
const CORNER_FRACTIONS = [0.25, 0.4, 0.65, 0.8];

/** How one runner covered the distance: cumulative time at any point, derived from its final time. */
export interface RunProfile {
  finalTime: number;
  startLoss: number; // seconds lost breaking from the gate
  style: number; // -1 (closer) … +1 (front runner): how early it spent its speed
}

export function timeAt(profile: RunProfile, distance: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= distance) return profile.finalTime;
  const share = x / distance;
  const paceShape = -profile.style * share * (1 - share) * profile.finalTime * 0.08;
  return profile.finalTime * share + profile.startLoss * (1 - share) + paceShape;
}

/** Position of each runner at a point of the course, 1 = first there. */
function positionsAt(profiles: RunProfile[], distance: number, x: number): number[] {
  const times = profiles.map((profile) => round1(timeAt(profile, distance, x)));
  const order = times.map((time, index) => ({ time, index })).sort((a, b) => a.time - b.time || a.index - b.index);
  const positions = new Array<number>(profiles.length);
  order.forEach(({ index }, rank) => (positions[index] = rank + 1));
  return positions;
}

export function zeroSectionals(): Record<string, RawValue> {
  return Object.fromEntries(SECTIONAL_FIELDS.map((field) => [field, 0]));
}

/**
 * Sectionals for the runners that completed the course (profiles in the same order as the result);
 * runners that did not finish get zeroSectionals().
 */
export function sectionals(meet: MeetCode, distance: number, profiles: RunProfile[]): Record<string, RawValue>[] {
  const at = (profile: RunProfile, x: number): number => round1(timeAt(profile, distance, x));
  const rows = profiles.map(() => zeroSectionals());
  const fill = (field: string, x: number, values: (profile: RunProfile, index: number) => number): void => {
    if (x <= 0) return; // the point lies before the start: the gateway leaves it 0
    profiles.forEach((profile, index) => (rows[index][field] = values(profile, index)));
  };
  const fillPositions = (field: string, x: number): void => {
    if (x <= 0) return;
    const positions = positionsAt(profiles, distance, x);
    rows.forEach((row, index) => (row[field] = positions[index]));
  };
  const fromGoal = (furlongs: number): number => distance - furlongs * FURLONG;
  const corners = CORNER_FRACTIONS.map((fraction) => Math.round((distance * fraction) / 10) * 10);

  if (meet === 3) {
    fill('buS1fAccTime', FURLONG, (p) => at(p, FURLONG));
    fill('buS1fTime', FURLONG, (p) => at(p, FURLONG));
    fillPositions('buS1fOrd', FURLONG);
    for (const furlongs of [8, 6, 4, 3, 2, 1]) {
      fill(`buG${furlongs}fAccTime`, fromGoal(furlongs), (p) => at(p, fromGoal(furlongs)));
      fillPositions(`buG${furlongs}fOrd`, fromGoal(furlongs));
    }
    for (const furlongs of [1, 2, 3])
      fill(`bu_${furlongs}fGTime`, fromGoal(furlongs), (p) => round1(p.finalTime - at(p, fromGoal(furlongs))));
    for (const [from, to] of [
      [4, 2],
      [6, 4],
      [8, 6],
      [10, 8],
    ]) {
      // A split exists only when its start lies on the course (the start itself counts as 0 s).
      if (fromGoal(from) < 0) continue;
      fill(`bu_${from}_${to}fTime`, fromGoal(to), (p) => round1(at(p, fromGoal(to)) - at(p, fromGoal(from))));
    }
    return rows;
  }

  fillPositions('sjS1fOrd', FURLONG);
  corners.forEach((x, i) => fillPositions(`sj_${i + 1}cOrd`, x));
  fillPositions('sjG3fOrd', fromGoal(3));
  fillPositions('sjG1fOrd', fromGoal(1));
  if (meet === 1) {
    fill('seS1fAccTime', FURLONG, (p) => at(p, FURLONG));
    corners.forEach((x, i) => fill(`se_${i + 1}cAccTime`, x, (p) => at(p, x)));
    fill('seG3fAccTime', fromGoal(3), (p) => at(p, fromGoal(3)));
    fill('seG1fAccTime', fromGoal(1), (p) => at(p, fromGoal(1)));
  } else {
    fill('jeS1fTime', FURLONG, (p) => at(p, FURLONG));
    corners.forEach((x, i) => fill(`je_${i + 1}cTime`, x, (p) => at(p, x)));
    // Jeju reports the closing sections as split times, not cumulative ones.
    fill('jeG3fTime', fromGoal(3), (p) => round1(p.finalTime - at(p, fromGoal(3))));
    fill('jeG1fTime', fromGoal(1), (p) => round1(p.finalTime - at(p, fromGoal(1))));
  }
  return rows;
}
