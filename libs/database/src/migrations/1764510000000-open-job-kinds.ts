import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job kinds are registered handlers now, not a fixed list: the column holds any kind name (lower
 * case, digits and dashes, as the registry requires) instead of the three of old.
 */
export class OpenJobKinds1764510000000 implements MigrationInterface {
  name = 'OpenJobKinds1764510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs DROP CONSTRAINT jobs_type_valid');
    await queryRunner.query(`ALTER TABLE jobs ADD CONSTRAINT jobs_type_valid CHECK (type ~ '^[a-z][a-z0-9-]{0,39}$')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Rows of kinds the old list does not know cannot outlive it.
    await queryRunner.query(`DELETE FROM jobs WHERE type NOT IN ('collect-day', 'collect-results', 'backfill')`);
    await queryRunner.query('ALTER TABLE jobs DROP CONSTRAINT jobs_type_valid');
    await queryRunner.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_valid CHECK (type IN ('collect-day', 'collect-results', 'backfill'))`,
    );
  }
}
