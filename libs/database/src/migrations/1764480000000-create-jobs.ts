import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable collection jobs. The row is the source of truth for a job's state; the BullMQ job (same id)
 * only carries it to a processor. The partial unique index makes "the same work while it is queued or
 * running is the same job" hold under concurrent submits: INSERT … ON CONFLICT DO NOTHING.
 */
export class CreateJobs1764480000000 implements MigrationInterface {
  name = 'CreateJobs1764480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type varchar(32) NOT NULL,
        params jsonb NOT NULL,
        dedupe_key text NOT NULL,
        status varchar(32) NOT NULL DEFAULT 'queued',
        progress smallint NOT NULL DEFAULT 0,
        step text,
        attempts smallint NOT NULL DEFAULT 0,
        result jsonb,
        error_code text,
        error_message text,
        api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
        retry_of uuid REFERENCES jobs (id) ON DELETE SET NULL,
        cancel_requested_at timestamptz,
        events jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        CONSTRAINT jobs_type_valid CHECK (type IN ('collect-day', 'collect-results')),
        CONSTRAINT jobs_status_valid CHECK (status IN ('queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled')),
        CONSTRAINT jobs_progress_range CHECK (progress BETWEEN 0 AND 100),
        CONSTRAINT jobs_attempts_range CHECK (attempts >= 0),
        CONSTRAINT jobs_events_array CHECK (jsonb_typeof(events) = 'array')
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX jobs_live_dedupe_key ON jobs (dedupe_key) WHERE status IN ('queued', 'running')`,
    );
    // The listing: one key's jobs, newest first, optionally by status.
    await queryRunner.query('CREATE INDEX jobs_api_key_created ON jobs (api_key_id, created_at DESC)');
    await queryRunner.query('CREATE INDEX jobs_status_created ON jobs (status, created_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE jobs');
  }
}
