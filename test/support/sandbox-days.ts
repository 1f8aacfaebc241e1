import type { KraSandbox } from '@app/kra-sandbox';

/** A race day of the sandbox and the gate of a runner scratched in one of its races. */
export interface ScratchDay {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  raceNo: number;
  gateNo: number;
}

/** A sandbox race with a scratched runner, searched deterministically (the sandbox world is seeded, so every run finds the same one). */
export function findScratchDay(sandbox: KraSandbox): ScratchDay {
  for (let day = 0; day < 120; day += 1) {
    const date = new Date(Date.UTC(2025, 5, 1 + day));
    const rcDate = date.toISOString().slice(0, 10).replace(/-/g, '');
    for (const meet of [1, 2, 3] as const) {
      for (const race of sandbox.world.raceDay(rcDate, meet).races) {
        // ord 95 is KRA's code for a scratched runner.
        const scratched = race.rows.find((row) => Number(row.ord) === 95);
        if (scratched)
          return {
            date: date.toISOString().slice(0, 10),
            meet,
            raceNo: Number(race.plan.rcNo),
            gateNo: Number(scratched.chulNo),
          };
      }
    }
  }
  throw new Error('no scratch found in the sandbox');
}
