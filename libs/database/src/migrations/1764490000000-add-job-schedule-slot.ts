import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schedule slot a job was enqueued for (`entries:2025-06-20:2`), null for jobs asked through the
 * API. Unique for good, not only while the job is live: every worker replica fires the same slot, and
 * the first INSERT wins even when a later replica fires after that job has finished.
 */
export class AddJobScheduleSlot1764490000000 implements MigrationInterface {
  name = 'AddJobScheduleSlot1764490000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN schedule_slot text');
    await queryRunner.query('CREATE UNIQUE INDEX jobs_schedule_slot ON jobs (schedule_slot)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX jobs_schedule_slot');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN schedule_slot');
  }
}
