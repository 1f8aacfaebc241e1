import type { HorseRecord, JockeyRecord, PersonRef, TrainerRecord } from '@app/kra-client';
import type { LegacyRaceRecords } from './legacy-mapping';

type Kind = 'horse' | 'jockey' | 'trainer' | 'owner';
type Detail = HorseRecord | JockeyRecord | TrainerRecord;

/** The master writes of one race: what to send, and what to remember once its transaction has committed. */
export interface LegacyMasterPlan {
  /** Whether the names (upsertPeople) must be written. */
  people: boolean;
  horses: HorseRecord[];
  jockeys: JockeyRecord[];
  trainers: TrainerRecord[];
  /** Records what the race wrote; call only after its transaction committed. */
  committed(): void;
}

/** Distinct records by id (the first, by gate). */
function byId<T extends Detail>(records: (T | null)[]): T[] {
  const unique = new Map<string, T>();
  for (const record of records) if (record?.id && !unique.has(record.id)) unique.set(record.id, record);
  return [...unique.values()];
}

function digest(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * The master rows one import run has committed: the names of horses, jockeys, trainers and owners
 * and the horse, jockey and trainer details, as the last race that wrote them left them. Most races
 * of a tree share jockeys, trainers and owners (and, race after race, horses) with earlier ones; a
 * race whose masters this run already wrote with the same values skips those statements, which the
 * repository would run as no-ops. Bounded: past the limit, the entries first written go first.
 *
 * A horse whose file names it differently in the runner row and in its detail gets both written, in
 * the collector's order (name, then detail), every time, so the stored name never depends on what
 * was skipped.
 */
export class LegacyMasterWrites {
  private readonly written = new Map<string, string>();

  constructor(private readonly limit = 50_000) {}

  plan(race: LegacyRaceRecords): LegacyMasterPlan {
    const refs: [Kind, PersonRef][] = race.runners.flatMap(({ entry }): [Kind, PersonRef][] => [
      ['horse', entry.horse],
      ['jockey', entry.jockey],
      ['trainer', entry.trainer],
      ['owner', entry.owner],
    ]);
    const named = refs.filter(([, ref]) => ref.id !== null && ref.name !== null) as [
      Kind,
      { id: string; name: string },
    ][];
    const details: Record<'horse' | 'jockey' | 'trainer', Detail[]> = {
      horse: byId(race.runners.map((runner) => runner.horse)),
      jockey: byId(race.runners.map((runner) => runner.jockey)),
      trainer: byId(race.runners.map((runner) => runner.trainer)),
    };
    const people = named.some(([kind, ref]) => this.written.get(`name:${kind}:${ref.id}`) !== ref.name);
    const refName = new Map(named.map(([kind, ref]) => [`${kind}:${ref.id}`, ref.name]));
    const digests = new Map<Detail, string>();
    const pending = (kind: 'horse' | 'jockey' | 'trainer'): Detail[] =>
      details[kind].filter((detail) => {
        const key = `${kind}:${detail.id}`;
        const value = digest(detail);
        digests.set(detail, value);
        // Names written just now from the runner rows must be followed by the detail's own name.
        const renamed = people && refName.has(key) && refName.get(key) !== detail.name;
        return renamed || this.written.get(key) !== value;
      });
    return {
      people,
      horses: pending('horse') as HorseRecord[],
      jockeys: pending('jockey') as JockeyRecord[],
      trainers: pending('trainer') as TrainerRecord[],
      committed: () => {
        for (const kind of ['horse', 'jockey', 'trainer'] as const)
          for (const detail of details[kind]) this.remember(`${kind}:${detail.id}`, digests.get(detail) as string);
        for (const [kind, ref] of named) {
          const detail = kind === 'owner' ? undefined : details[kind].find((record) => record.id === ref.id);
          this.remember(`name:${kind}:${ref.id}`, detail?.name ?? ref.name);
        }
      },
    };
  }

  private remember(key: string, value: string): void {
    if (this.written.get(key) === value) return;
    this.written.set(key, value);
    if (this.written.size > this.limit) this.written.delete(this.written.keys().next().value as string);
  }
}
