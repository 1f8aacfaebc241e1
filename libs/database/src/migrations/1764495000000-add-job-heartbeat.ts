import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a running job's processor last showed signs of life. The reconciler re-queues a running
 * job whose queue entry is gone only once this is older than a claim lasts, so a job still being
 * worked on by a live processor is never started a second time.
 */
export class AddJobHeartbeat1764495000000 implements MigrationInterface {
  name = 'AddJobHeartbeat1764495000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN heartbeat_at timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN heartbeat_at');
  }
}
