import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The race data model. What was knowable before a race (races, entries, entry_snapshots) lives apart
 * from what happened in it (results, dividends), so a pre-race view reads pre-race tables only.
 * Every row keeps the upstream response it came from (upstream_responses) for provenance.
 */
export class CreateRaceData1764470000000 implements MigrationInterface {
  name = 'CreateRaceData1764470000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE upstream_responses (
        id bigserial PRIMARY KEY,
        service varchar(20) NOT NULL,
        params jsonb NOT NULL,
        body_hash char(64) NOT NULL,
        body jsonb NOT NULL,
        fetched_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT upstream_responses_unique UNIQUE (service, body_hash)
      )`);
    await queryRunner.query(`
      CREATE TABLE races (
        id bigserial PRIMARY KEY,
        race_date date NOT NULL,
        meet smallint NOT NULL CHECK (meet BETWEEN 1 AND 4),
        race_no smallint NOT NULL CHECK (race_no BETWEEN 1 AND 20),
        name text,
        distance_m integer,
        race_class text,
        age_condition text,
        sex_condition text,
        weight_condition text,
        prize_condition text,
        prizes bigint[] NOT NULL DEFAULT '{}',
        scheduled_start timestamptz,
        status varchar(10) NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'entries', 'finished', 'cancelled', 'void')),
        weather text,
        going text,
        moisture_percent numeric(5, 1),
        entries_collected_at timestamptz,
        details_collected_at timestamptz,
        results_collected_at timestamptz,
        dividends_collected_at timestamptz,
        source_id bigint REFERENCES upstream_responses (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT races_natural_key UNIQUE (race_date, meet, race_no)
      )`);
    await queryRunner.query(`CREATE INDEX races_by_date ON races (race_date DESC, meet, race_no)`);
    await queryRunner.query(`
      CREATE TABLE horses (
        hr_no varchar(10) PRIMARY KEY,
        name text NOT NULL,
        meet smallint,
        sex text,
        birth_date date,
        origin text,
        sire_no varchar(10),
        sire_name text,
        dam_no varchar(10),
        dam_name text,
        ow_no varchar(10),
        tr_no varchar(10),
        race_class text,
        rating integer,
        total_prize bigint,
        career jsonb,
        details_at timestamptz,
        source_id bigint REFERENCES upstream_responses (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE jockeys (
        jk_no varchar(10) PRIMARY KEY,
        name text NOT NULL,
        meet smallint,
        birth_date date,
        debut_date date,
        affiliation text,
        weight_kg numeric(4, 1),
        career jsonb,
        details_at timestamptz,
        source_id bigint REFERENCES upstream_responses (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE trainers (
        tr_no varchar(10) PRIMARY KEY,
        name text NOT NULL,
        meet smallint,
        birth_date date,
        licensed_since date,
        stable text,
        career jsonb,
        details_at timestamptz,
        source_id bigint REFERENCES upstream_responses (id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE owners (
        ow_no varchar(10) PRIMARY KEY,
        name text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE entries (
        id bigserial PRIMARY KEY,
        race_id bigint NOT NULL REFERENCES races (id) ON DELETE CASCADE,
        gate_no smallint NOT NULL,
        hr_no varchar(10) NOT NULL REFERENCES horses (hr_no),
        jk_no varchar(10) REFERENCES jockeys (jk_no),
        tr_no varchar(10) REFERENCES trainers (tr_no),
        ow_no varchar(10) REFERENCES owners (ow_no),
        age smallint,
        sex text,
        origin text,
        carried_weight_kg numeric(4, 1),
        body_weight_kg numeric(5, 1),
        body_weight_change numeric(5, 1),
        rating integer,
        equipment text,
        days_since_last_start integer,
        scratched boolean NOT NULL DEFAULT false,
        scratch_reason text,
        source_id bigint REFERENCES upstream_responses (id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT entries_race_gate UNIQUE (race_id, gate_no),
        CONSTRAINT entries_race_horse UNIQUE (race_id, hr_no)
      )`);
    await queryRunner.query(`CREATE INDEX entries_by_horse ON entries (hr_no)`);
    await queryRunner.query(`CREATE INDEX entries_by_jockey ON entries (jk_no)`);
    await queryRunner.query(`CREATE INDEX entries_by_trainer ON entries (tr_no)`);
    await queryRunner.query(`
      CREATE TABLE entry_snapshots (
        entry_id bigint PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
        taken_at timestamptz NOT NULL,
        -- false for races collected after their start (backfill): such figures may include the race.
        taken_before_start boolean NOT NULL,
        horse jsonb,
        jockey jsonb,
        trainer jsonb
      )`);
    await queryRunner.query(`
      CREATE TABLE results (
        entry_id bigint PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
        finish_position smallint,
        finish_status varchar(12),
        race_time_s numeric(6, 1),
        margin text,
        note text,
        win_odds numeric(7, 1),
        place_odds numeric(7, 1),
        sectionals jsonb NOT NULL DEFAULT '{}',
        source_id bigint REFERENCES upstream_responses (id),
        collected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE dividends (
        id bigserial PRIMARY KEY,
        race_id bigint NOT NULL REFERENCES races (id) ON DELETE CASCADE,
        pool varchar(3) NOT NULL,
        combination text NOT NULL,
        payout numeric(9, 1),
        no_payout boolean NOT NULL DEFAULT false,
        source_id bigint REFERENCES upstream_responses (id),
        collected_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT dividends_natural_key UNIQUE (race_id, pool, combination)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'dividends',
      'results',
      'entry_snapshots',
      'entries',
      'owners',
      'trainers',
      'jockeys',
      'horses',
      'races',
      'upstream_responses',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
