import { TestDatabase } from './infra';

/** Race key of a row joined to `races r` (and `entries e` for per-runner tables). */
const RACE_KEY = `r.race_date || '/' || r.meet || '/' || r.race_no`;
const ENTRY_KEY = `${RACE_KEY} || '/' || e.gate_no`;

/** Each data table as JSON rows, surrogate ids replaced by natural keys. */
const LOGICAL_QUERIES: Record<string, string> = {
  races: `SELECT to_jsonb(t) - 'id' AS row FROM races t`,
  horses: `SELECT to_jsonb(t) AS row FROM horses t`,
  jockeys: `SELECT to_jsonb(t) AS row FROM jockeys t`,
  trainers: `SELECT to_jsonb(t) AS row FROM trainers t`,
  owners: `SELECT to_jsonb(t) AS row FROM owners t`,
  entries: `SELECT to_jsonb(t) - 'id' - 'race_id' || jsonb_build_object('race', ${RACE_KEY}) AS row FROM entries t JOIN races r ON r.id = t.race_id`,
  entry_snapshots: `SELECT to_jsonb(t) - 'entry_id' || jsonb_build_object('entry', ${ENTRY_KEY}) AS row FROM entry_snapshots t JOIN entries e ON e.id = t.entry_id JOIN races r ON r.id = e.race_id`,
  results: `SELECT to_jsonb(t) - 'entry_id' || jsonb_build_object('entry', ${ENTRY_KEY}) AS row FROM results t JOIN entries e ON e.id = t.entry_id JOIN races r ON r.id = e.race_id`,
  dividends: `SELECT to_jsonb(t) - 'id' - 'race_id' || jsonb_build_object('race', ${RACE_KEY}) AS row FROM dividends t JOIN races r ON r.id = t.race_id`,
  upstream_responses: `SELECT to_jsonb(t) - 'id' AS row FROM upstream_responses t`,
};

/** Columns that differ between two equal collections made at different times or in another order. */
const VOLATILE = /(_at|^source_id)$/;

/**
 * The race data of a database as plain values: two databases that collected the same races hold
 * equal dumps, whatever their row ids, timestamps and the order in which rows were written.
 */
export async function logicalDump(database: TestDatabase): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const [table, sql] of Object.entries(LOGICAL_QUERIES)) {
    const rows = await database.query<{ row: Record<string, unknown> }>(sql);
    dump[table] = rows
      .map(({ row }) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row)
              .filter(([key]) => !VOLATILE.test(key))
              .sort(([a], [b]) => a.localeCompare(b)),
          ),
        ),
      )
      .sort();
  }
  return dump;
}
