import type { CollectionReport } from '@app/collection';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CollectJobParams, JobErrorCode, JobEvent, JobRecord, JobStatus, JobType, MAX_JOB_EVENTS } from './job.types';

interface JobRow {
  id: string;
  type: JobType;
  params: CollectJobParams;
  dedupe_key: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  attempts: number;
  result: CollectionReport | null;
  error_code: JobErrorCode | null;
  error_message: string | null;
  api_key_id: string | null;
  retry_of: string | null;
  cancel_requested_at: Date | null;
  events: JobEvent[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface JobListFilter {
  status?: JobStatus;
  type?: JobType;
  /** Only this key's jobs; undefined: everyone's (admin). */
  apiKeyId?: string | null;
}

export interface JobOutcome {
  status: JobStatus;
  result?: CollectionReport | null;
  errorCode?: JobErrorCode | null;
  errorMessage?: string | null;
  message: string;
}

/**
 * `events || new line`, keeping only the last {@link MAX_JOB_EVENTS}: the trim happens in the same
 * UPDATE, so concurrent appends cannot race each other past the bound.
 */
const APPEND_EVENT = (param: string): string => `(
  SELECT coalesce(jsonb_agg(value ORDER BY ord), '[]'::jsonb) FROM (
    SELECT value, ord FROM jsonb_array_elements(events || jsonb_build_array(jsonb_build_object('at', now(), 'message', ${param}::text)))
      WITH ORDINALITY AS line(value, ord) ORDER BY ord DESC LIMIT ${MAX_JOB_EVENTS}
  ) kept)`;

/** The `jobs` table. Plain SQL: the dedupe insert needs ON CONFLICT against a partial index. */
@Injectable()
export class JobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new queued job, or the live (queued/running) job that already holds the dedupe key. */
  async insertOrGetLive(job: { type: JobType; params: CollectJobParams; dedupeKey: string; apiKeyId: string | null; retryOf: string | null }): Promise<{ job: JobRecord; created: boolean }> {
    // A job that finishes between our failed insert and the select frees the key: try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const inserted = await this.dataSource.query<JobRow[]>(
        `INSERT INTO jobs (type, params, dedupe_key, api_key_id, retry_of, events)
         VALUES ($1, $2, $3, $4, $5, jsonb_build_array(jsonb_build_object('at', now(), 'message', 'queued'::text)))
         ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING *`,
        [job.type, JSON.stringify(job.params), job.dedupeKey, job.apiKeyId, job.retryOf],
      );
      if (inserted[0]) return { job: toRecord(inserted[0]), created: true };
      const [live] = await this.dataSource.query<JobRow[]>(`SELECT * FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')`, [job.dedupeKey]);
      if (live) return { job: toRecord(live), created: false };
    }
    throw new Error(`Could not insert or find a live job for ${job.dedupeKey}`);
  }

  /**
   * A new queued job for a schedule slot, or null when the slot has a job already (whatever its
   * status) or the same work is live already. No conflict target: either unique index means "done".
   */
  async insertScheduled(job: { type: JobType; params: CollectJobParams; dedupeKey: string; scheduleSlot: string }): Promise<JobRecord | null> {
    const [row] = await this.dataSource.query<JobRow[]>(
      `INSERT INTO jobs (type, params, dedupe_key, schedule_slot, events)
       VALUES ($1, $2, $3, $4, jsonb_build_array(jsonb_build_object('at', now(), 'message', $5::text)))
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [job.type, JSON.stringify(job.params), job.dedupeKey, job.scheduleSlot, `queued by schedule slot ${job.scheduleSlot}`],
    );
    return row ? toRecord(row) : null;
  }

  async findById(id: string): Promise<JobRecord | null> {
    const [row] = await this.dataSource.query<JobRow[]>('SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? toRecord(row) : null;
  }

  async list(filter: JobListFilter, page: number, limit: number): Promise<{ items: JobRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    if (filter.apiKeyId !== undefined) where.push(filter.apiKeyId === null ? 'api_key_id IS NULL' : `api_key_id = $${params.push(filter.apiKeyId)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [count]] = await Promise.all([
      this.dataSource.query<JobRow[]>(`SELECT * FROM jobs ${clause} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
        ...params,
        limit,
        (page - 1) * limit,
      ]),
      this.dataSource.query<{ total: string }[]>(`SELECT count(*) AS total FROM jobs ${clause}`, params),
    ]);
    return { items: rows.map(toRecord), total: Number(count?.total ?? 0) };
  }

  /** queued → cancelled; null when the job was no longer queued (a processor took it). */
  async cancelQueued(id: string): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET status = 'cancelled', error_code = 'cancelled', error_message = 'Cancelled before it ran', finished_at = now(),
              cancel_requested_at = coalesce(cancel_requested_at, now()), events = ${APPEND_EVENT('$2')}
        WHERE id = $1 AND status = 'queued' RETURNING *`,
      [id, 'cancelled while queued'],
    );
    return row ? toRecord(row) : null;
  }

  /** Flags a running job; its processor stops at the next step boundary. */
  async requestCancel(id: string): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, now()), events = ${APPEND_EVENT('$2')}
        WHERE id = $1 AND status = 'running' RETURNING *`,
      [id, 'cancel requested'],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * Claims the job for an attempt. `running` is accepted too: a processor that died mid-run leaves
   * the row running, and BullMQ hands the stalled job to another processor. Null: the job is
   * finished or cancelled and must not run.
   */
  async start(id: string, attempt: number): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET status = 'running', attempts = $2, started_at = coalesce(started_at, now()), step = 'starting',
              events = ${APPEND_EVENT('$3')}
        WHERE id = $1 AND status IN ('queued', 'running') AND cancel_requested_at IS NULL RETURNING *`,
      [id, attempt, `attempt ${attempt} started`],
    );
    return row ? toRecord(row) : null;
  }

  /** Saves progress; answers whether a cancel was requested meanwhile (one round trip for both). */
  async progress(id: string, progress: number, step: string): Promise<boolean> {
    const rows = await this.update<{ cancel_requested: boolean }>(
      `UPDATE jobs SET progress = GREATEST(progress, $2), step = $3 WHERE id = $1 AND status = 'running'
       RETURNING cancel_requested_at IS NOT NULL AS cancel_requested`,
      [id, progress, step],
    );
    return rows[0]?.cancel_requested ?? true;
  }

  async addEvent(id: string, message: string): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET events = ${APPEND_EVENT('$2')} WHERE id = $1`, [id, message]);
  }

  /** Back to queued while BullMQ waits out the backoff; the live row keeps holding its dedupe key. */
  async requeue(id: string, errorCode: JobErrorCode, errorMessage: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET status = 'queued', step = 'waiting to retry', error_code = $2, error_message = $3, events = ${APPEND_EVENT('$4')}
        WHERE id = $1 AND status = 'running'`,
      [id, errorCode, errorMessage, message],
    );
  }

  async finish(id: string, outcome: JobOutcome): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET status = $2::text, result = COALESCE($3::jsonb, result), error_code = $4, error_message = $5, finished_at = now(),
              progress = CASE WHEN $2::text IN ('succeeded', 'partially_succeeded') THEN 100 ELSE progress END,
              step = CASE WHEN $2::text IN ('succeeded', 'partially_succeeded') THEN 'done' ELSE step END,
              events = ${APPEND_EVENT('$6')}
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [id, outcome.status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.errorCode ?? null, outcome.errorMessage ?? null, outcome.message],
    );
    return row ? toRecord(row) : null;
  }

  /** TypeORM answers an UPDATE with `[rows, rowCount]`, not the rows alone. */
  private async update<T>(sql: string, params: unknown[]): Promise<T[]> {
    const [rows] = await this.dataSource.query<[T[], number]>(sql, params);
    return rows;
  }
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    type: row.type,
    params: row.params,
    dedupeKey: row.dedupe_key,
    status: row.status,
    progress: row.progress,
    step: row.step,
    attempts: row.attempts,
    result: row.result,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    apiKeyId: row.api_key_id,
    retryOf: row.retry_of,
    cancelRequestedAt: row.cancel_requested_at,
    events: row.events,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
