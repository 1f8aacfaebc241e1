import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The analysis features of each race, as of its race day: one row per race with every runner's
 * features (JSON), the definitions' version and the mark of the stored data they were computed
 * from, so a row whose data has changed since is known to be stale and is computed again.
 */
export class CreateRaceFeatures1764520000000 implements MigrationInterface {
  name = 'CreateRaceFeatures1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE race_features (
        race_id bigint PRIMARY KEY REFERENCES races (id) ON DELETE CASCADE,
        race_date date NOT NULL,
        meet smallint NOT NULL,
        race_no smallint NOT NULL,
        as_of timestamptz NOT NULL,
        version integer NOT NULL,
        data_mark text NOT NULL,
        features jsonb NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX race_features_by_date ON race_features (race_date, meet, race_no)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE race_features');
  }
}
