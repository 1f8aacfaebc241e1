import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfills: a `backfill` row is the parent of one collect-day job per race day (`parent_id`). The
 * parent is never queued; it holds the overall progress and ends when its last child does.
 */
export class AddJobParent1764500000000 implements MigrationInterface {
  name = 'AddJobParent1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs DROP CONSTRAINT jobs_type_valid');
    await queryRunner.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_valid CHECK (type IN ('collect-day', 'collect-results', 'backfill'))`,
    );
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN parent_id uuid REFERENCES jobs (id)');
    // A parent's children: its tally on every child's end, and `GET /jobs?parentId=` newest first.
    await queryRunner.query(
      'CREATE INDEX jobs_parent_created ON jobs (parent_id, created_at DESC) WHERE parent_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX jobs_parent_created');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN parent_id');
    // The children stay, as plain collection jobs; the parents cannot outlive their type.
    await queryRunner.query(`DELETE FROM jobs WHERE type = 'backfill'`);
    await queryRunner.query('ALTER TABLE jobs DROP CONSTRAINT jobs_type_valid');
    await queryRunner.query(
      `ALTER TABLE jobs ADD CONSTRAINT jobs_type_valid CHECK (type IN ('collect-day', 'collect-results'))`,
    );
  }
}
