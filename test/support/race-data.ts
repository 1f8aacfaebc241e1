import { Client } from 'pg';
import type { TestDatabase } from './infra';

/** Runners shared by every seeded race: gate g runs HORSES[g - 1], ridden by JOCKEYS[(g - 1) % 3]. */
export const HORSES = ['0041001', '0041002', '0041003', '0041004', '0041005', '0041006'];
export const JOCKEYS = ['080101', '080102', '080103'];
export const TRAINERS = ['070201', '070202'];
export const OWNERS = ['110001', '110002'];

/** What each profile table says *now*; pre-race views must show the snapshot figures instead. */
export const CURRENT_CAREER = { starts: 30, wins: 6 };

export interface SeedRace {
  raceNo: number;
  status: 'scheduled' | 'entries' | 'finished' | 'cancelled' | 'void';
  /** Number of entries (gates 1..n); none for a scheduled race unless given. */
  entries?: number;
  /** A gate whose runner was scratched. */
  scratchedGate?: number;
  /** A gate whose snapshot was taken after the start (a backfill): prerace views must withhold it. */
  lateSnapshotGate?: number;
  name?: string;
}

/** The snapshot figures seeded for a gate, for assertions. */
export function snapshotFor(gate: number): { horse: object; jockey: object; trainer: object } {
  return {
    horse: { rating: 60 + gate, career: { starts: 10 + gate, wins: gate } },
    jockey: { career: { starts: 500 + gate, wins: 50 + gate } },
    trainer: { career: { starts: 300 + gate, wins: 30 + gate } },
  };
}

async function withClient<T>(database: TestDatabase, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Horses, jockeys, trainers and owners with current profiles; idempotent. */
export async function seedPeople(database: TestDatabase): Promise<void> {
  await withClient(database, async (client) => {
    const career = JSON.stringify(CURRENT_CAREER);
    for (const [i, owNo] of OWNERS.entries()) {
      await client.query(`INSERT INTO owners (ow_no, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        owNo,
        `마주${i + 1}`,
      ]);
    }
    for (const [i, trNo] of TRAINERS.entries()) {
      await client.query(
        `INSERT INTO trainers (tr_no, name, meet, birth_date, licensed_since, stable, career, details_at)
         VALUES ($1, $2, 1, '1970-01-0${i + 1}', '2005-03-01', $3, $4, now()) ON CONFLICT DO NOTHING`,
        [trNo, `조교사${i + 1}`, `${i + 1}조`, career],
      );
    }
    for (const [i, jkNo] of JOCKEYS.entries()) {
      await client.query(
        `INSERT INTO jockeys (jk_no, name, meet, birth_date, debut_date, affiliation, weight_kg, career, details_at)
         VALUES ($1, $2, 1, '1990-05-0${i + 1}', '2012-04-01', '프리', 52.5, $3, now()) ON CONFLICT DO NOTHING`,
        [jkNo, `기수${i + 1}`, career],
      );
    }
    for (const [i, hrNo] of HORSES.entries()) {
      await client.query(
        `INSERT INTO horses (hr_no, name, meet, sex, birth_date, origin, sire_no, sire_name, dam_no, dam_name, ow_no, tr_no,
                             race_class, rating, total_prize, career, details_at)
         VALUES ($1, $2, 1, '거', '2021-03-0${i + 1}', '한', '0030001', '메니피', '0030002', '어미말', $3, $4, '국6등급', 80, 123456789, $5, now())
         ON CONFLICT DO NOTHING`,
        [hrNo, `경주마${i + 1}`, OWNERS[i % OWNERS.length], TRAINERS[i % TRAINERS.length], career],
      );
    }
  });
}

/**
 * One race day as the collector would leave it: races, entries with pre-race snapshots and, for
 * finished races, results of every non-scratched runner (gate order = finishing order) and dividends.
 */
export async function seedRaceDay(
  database: TestDatabase,
  date: string,
  meet: number,
  races: SeedRace[],
): Promise<void> {
  await seedPeople(database);
  await withClient(database, async (client) => {
    for (const race of races) {
      const finished = race.status === 'finished';
      const hasEntries = race.status === 'entries' || finished;
      const start = `${date}T${String(10 + race.raceNo).padStart(2, '0')}:30:00+09:00`;
      const [{ id: raceId }] = (
        await client.query<{ id: string }>(
          `INSERT INTO races (race_date, meet, race_no, name, distance_m, race_class, age_condition, sex_condition, weight_condition,
                              prize_condition, prizes, scheduled_start, status, weather, going, moisture_percent,
                              entries_collected_at, details_collected_at, results_collected_at, dividends_collected_at)
           VALUES ($1, $2, $3, $4, $5, '국6등급', '연령오픈', '혼합', '별정A', '일반', '{33000000,13200000,8400000}', $6, $7,
                   $8, $9, $10, $11, $11, $12, $12)
           RETURNING id`,
          [
            date,
            meet,
            race.raceNo,
            race.name ?? `${race.raceNo}경주 일반`,
            1000 + race.raceNo * 100,
            start,
            race.status,
            finished ? '맑음' : null,
            finished ? '건조' : null,
            finished ? 6.5 : null,
            hasEntries ? `${date}T00:00:00Z` : null,
            finished ? `${date}T09:00:00Z` : null,
          ],
        )
      ).rows;
      const entryCount = race.entries ?? (hasEntries ? 3 : 0);
      let position = 0;
      for (let gate = 1; gate <= entryCount; gate += 1) {
        const scratched = gate === race.scratchedGate;
        const [{ id: entryId }] = (
          await client.query<{ id: string }>(
            `INSERT INTO entries (race_id, gate_no, hr_no, jk_no, tr_no, ow_no, age, sex, origin, carried_weight_kg, body_weight_kg,
                                  body_weight_change, rating, equipment, days_since_last_start, scratched, scratch_reason)
             VALUES ($1, $2, $3, $4, $5, $6, 4, '거', '한', 55.5, 470.0, -2.0, $7, '-혀끈', 28, $8, $9)
             RETURNING id`,
            [
              raceId,
              gate,
              HORSES[gate - 1],
              JOCKEYS[(gate - 1) % JOCKEYS.length],
              TRAINERS[(gate - 1) % TRAINERS.length],
              OWNERS[(gate - 1) % OWNERS.length],
              60 + gate,
              scratched,
              scratched ? '마체이상' : null,
            ],
          )
        ).rows;
        const snapshot = snapshotFor(gate);
        await client.query(
          `INSERT INTO entry_snapshots (entry_id, taken_at, taken_before_start, horse, jockey, trainer) VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            entryId,
            gate === race.lateSnapshotGate ? `${date}T12:00:00Z` : `${date}T00:05:00Z`,
            gate !== race.lateSnapshotGate,
            JSON.stringify(snapshot.horse),
            JSON.stringify(snapshot.jockey),
            JSON.stringify(snapshot.trainer),
          ],
        );
        if (finished && !scratched) {
          position += 1;
          await client.query(
            `INSERT INTO results (entry_id, finish_position, finish_status, race_time_s, margin, win_odds, place_odds, sectionals)
             VALUES ($1, $2, 'finished', $3, $4, $5, $6, $7)`,
            [
              entryId,
              position,
              72 + position * 0.3,
              position === 1 ? null : '1',
              2.5 * gate,
              1.2 * gate,
              JSON.stringify({ s1f: 13.4, g3f: 37.2 + position }),
            ],
          );
        }
      }
      if (finished) {
        for (const [pool, combination, payout] of [
          ['WIN', '1', 3.4],
          ['QNL', '1-2', 12.3],
          ['TRI', '1-2-3', 88.1],
        ] as const) {
          await client.query(`INSERT INTO dividends (race_id, pool, combination, payout) VALUES ($1, $2, $3, $4)`, [
            raceId,
            pool,
            combination,
            payout,
          ]);
        }
      }
    }
  });
}
