/**
 * The pre-race fields of a race and of its entries, as the `races` and `entries` tables hold them.
 * The write side (collector, legacy import) and the read sides (read API, legacy export) share
 * these shapes, so a field added to the tables is added in one place.
 */

/**
 * A race's card, known before the race. The scheduled start is left to each shape: an ISO string
 * on the way in (from KRA), a Date on the way out (pg's timestamptz).
 */
export interface RaceCardFields {
  raceNo: number;
  name: string | null;
  distanceM: number | null;
  raceClass: string | null;
  ageCondition: string | null;
  sexCondition: string | null;
  weightCondition: string | null;
  prizeCondition: string | null;
  prizes: number[];
}

/** `RaceCardFields` from `races r` (numeric arrays as numbers: pg gives strings). */
export const RACE_CARD_COLUMNS = `r.race_no AS "raceNo", r.name, r.distance_m AS "distanceM", r.race_class AS "raceClass",
  r.age_condition AS "ageCondition", r.sex_condition AS "sexCondition", r.weight_condition AS "weightCondition",
  r.prize_condition AS "prizeCondition", r.prizes::float8[] AS prizes`;

/** A runner's own pre-race figures, from the entry sheet (body weight announced before the race). */
export interface EntryFields {
  age: number | null;
  sex: string | null;
  origin: string | null;
  carriedWeightKg: number | null;
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  rating: number | null;
  equipment: string | null;
  daysSinceLastStart: number | null;
}

/** `EntryFields` from `entries e` (numeric columns as numbers: pg gives strings). */
export const ENTRY_FIELD_COLUMNS = `e.age, e.sex, e.origin, e.carried_weight_kg::float8 AS "carriedWeightKg", e.body_weight_kg::float8 AS "bodyWeightKg",
  e.body_weight_change::float8 AS "bodyWeightChange", e.rating, e.equipment, e.days_since_last_start AS "daysSinceLastStart"`;

/** Just the `EntryFields` of a row, in this order (the read API's JSON keeps it). */
export function pickEntryFields(row: EntryFields): EntryFields {
  const { age, sex, origin, carriedWeightKg, bodyWeightKg, bodyWeightChange, rating, equipment, daysSinceLastStart } =
    row;
  return { age, sex, origin, carriedWeightKg, bodyWeightKg, bodyWeightChange, rating, equipment, daysSinceLastStart };
}

/**
 * An entry with its horse, jockey, trainer, owner and pre-race snapshot, under the aliases the
 * entry queries use (e, h, j, t, o, s): the read API's and the legacy files' entries share it.
 */
export const ENTRY_JOINS = `entries e
         JOIN horses h ON h.hr_no = e.hr_no
         LEFT JOIN jockeys j ON j.jk_no = e.jk_no
         LEFT JOIN trainers t ON t.tr_no = e.tr_no
         LEFT JOIN owners o ON o.ow_no = e.ow_no
         LEFT JOIN entry_snapshots s ON s.entry_id = e.id`;
