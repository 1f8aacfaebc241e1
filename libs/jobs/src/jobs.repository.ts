import { countChildren, JobChild, JobFailureCode, JobSettlement, JobStatus } from '@app/common';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { JobChildCounts, JobEvent, JobRecord, MAX_JOB_EVENTS } from './job.types';

interface JobRow {
  id: string;
  type: string;
  params: unknown;
  dedupe_key: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  attempts: number;
  result: unknown;
  error_code: JobFailureCode | null;
  error_message: string | null;
  api_key_id: string | null;
  retry_of: string | null;
  parent_id: string | null;
  /** Selected by {@link CHILD_COUNTS} only. */
  children?: JobChildCounts | null;
  cancel_requested_at: Date | null;
  events: JobEvent[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface JobListFilter {
  status?: JobStatus;
  type?: string;
  /** Only this parent's jobs. */
  parentId?: string;
  /** Only this key's jobs; undefined: everyone's (admin). */
  apiKeyId?: string | null;
}

export interface JobOutcome {
  status: JobStatus;
  result?: unknown;
  errorCode?: JobFailureCode | null;
  errorMessage?: string | null;
  message: string;
  /** Attempts the queue spent, when the row may not know them all (runs whose start it never saw). */
  attempts?: number;
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

/** A parent's children by status (null for a job without children), as a column of a query over `jobs`. */
const CHILD_COUNTS = `(
  SELECT CASE WHEN count(*) = 0 THEN NULL ELSE jsonb_build_object(
    'total', count(*), 'queued', count(*) FILTER (WHERE child.status = 'queued'), 'running', count(*) FILTER (WHERE child.status = 'running'),
    'succeeded', count(*) FILTER (WHERE child.status = 'succeeded'), 'partiallySucceeded', count(*) FILTER (WHERE child.status = 'partially_succeeded'),
    'failed', count(*) FILTER (WHERE child.status = 'failed'), 'cancelled', count(*) FILTER (WHERE child.status = 'cancelled')) END
  FROM jobs child WHERE child.parent_id = jobs.id)`;

/** The job has children: it is a parent, which never runs itself. */
const HAS_CHILDREN = 'EXISTS (SELECT 1 FROM jobs child WHERE child.parent_id = jobs.id)';

/** queued → cancelled, as a queued job's cancel ends it. */
const CANCEL_QUEUED = `status = 'cancelled', error_code = 'cancelled', error_message = 'Cancelled before it ran', finished_at = now(),
              cancel_requested_at = coalesce(cancel_requested_at, now())`;

/** Advisory lock namespace of the reconciler: one repair pass at a time across every process. */
const RECONCILE_LOCK = 0x6a6f6273;

/** The `jobs` table. Plain SQL: the dedupe insert needs ON CONFLICT against a partial index. */
@Injectable()
export class JobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new queued job, or the live (queued/running) job that already holds the dedupe key. */
  async insertOrGetLive(job: {
    type: string;
    params: unknown;
    dedupeKey: string;
    apiKeyId: string | null;
    retryOf: string | null;
  }): Promise<{ job: JobRecord; created: boolean }> {
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
      const [live] = await this.dataSource.query<JobRow[]>(
        `SELECT * FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')`,
        [job.dedupeKey],
      );
      if (live) return { job: toRecord(live), created: false };
    }
    throw new Error(`Could not insert or find a live job for ${job.dedupeKey}`);
  }

  /**
   * A new queued job for a schedule slot, or null when the slot has a job already (whatever its
   * status) or the same work is live already. No conflict target: either unique index means "done".
   */
  async insertScheduled(job: {
    type: string;
    params: unknown;
    dedupeKey: string;
    scheduleSlot: string;
  }): Promise<JobRecord | null> {
    const [row] = await this.dataSource.query<JobRow[]>(
      `INSERT INTO jobs (type, params, dedupe_key, schedule_slot, events)
       VALUES ($1, $2, $3, $4, jsonb_build_array(jsonb_build_object('at', now(), 'message', $5::text)))
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        job.type,
        JSON.stringify(job.params),
        job.dedupeKey,
        job.scheduleSlot,
        `queued by schedule slot ${job.scheduleSlot}`,
      ],
    );
    return row ? toRecord(row) : null;
  }

  async findById(id: string): Promise<JobRecord | null> {
    const [row] = await this.dataSource.query<JobRow[]>(
      `SELECT jobs.*, ${CHILD_COUNTS} AS children FROM jobs WHERE id = $1`,
      [id],
    );
    return row ? toRecord(row) : null;
  }

  async list(filter: JobListFilter, page: number, limit: number): Promise<{ items: JobRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    if (filter.parentId) where.push(`parent_id = $${params.push(filter.parentId)}`);
    if (filter.apiKeyId !== undefined)
      where.push(filter.apiKeyId === null ? 'api_key_id IS NULL' : `api_key_id = $${params.push(filter.apiKeyId)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, [count]] = await Promise.all([
      this.dataSource.query<JobRow[]>(
        `SELECT jobs.*, ${CHILD_COUNTS} AS children FROM jobs ${clause} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, limit, (page - 1) * limit],
      ),
      this.dataSource.query<{ total: string }[]>(`SELECT count(*) AS total FROM jobs ${clause}`, params),
    ]);
    return { items: rows.map(toRecord), total: Number(count?.total ?? 0) };
  }

  /** queued → cancelled; null when the job was no longer queued (a processor took it). */
  async cancelQueued(id: string): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET ${CANCEL_QUEUED}, events = ${APPEND_EVENT('$2')}
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
   * finished or cancelled and must not run (and a parent never runs: it has no work of its own).
   */
  async start(id: string, attempt: number): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET status = 'running', attempts = $2, started_at = coalesce(started_at, now()), step = 'starting', heartbeat_at = now(),
              events = ${APPEND_EVENT('$3')}
        WHERE id = $1 AND status IN ('queued', 'running') AND cancel_requested_at IS NULL AND NOT ${HAS_CHILDREN} RETURNING *`,
      [id, attempt, `attempt ${attempt} started`],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * Saves progress and answers, in the same round trip, whether the run may go on: `cancel` when a
   * cancel was requested meanwhile, `gone` when the row is no longer running (ended or re-queued by
   * someone else), so this run must stop without writing to it.
   */
  async progress(id: string, progress: number, step: string): Promise<'go' | 'cancel' | 'gone'> {
    const rows = await this.update<{ cancel_requested: boolean }>(
      `UPDATE jobs SET progress = GREATEST(progress, $2), step = $3, heartbeat_at = now() WHERE id = $1 AND status = 'running'
       RETURNING cancel_requested_at IS NOT NULL AS cancel_requested`,
      [id, progress, step],
    );
    if (!rows[0]) return 'gone';
    return rows[0].cancel_requested ? 'cancel' : 'go';
  }

  async addEvent(id: string, message: string): Promise<void> {
    await this.dataSource.query(`UPDATE jobs SET events = ${APPEND_EVENT('$2')} WHERE id = $1`, [id, message]);
  }

  /** Back to queued while BullMQ waits out the backoff; the live row keeps holding its dedupe key. */
  async requeue(id: string, errorCode: JobFailureCode, errorMessage: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET status = 'queued', step = 'waiting to retry', error_code = $2, error_message = $3, events = ${APPEND_EVENT('$4')}
        WHERE id = $1 AND status = 'running'`,
      [id, errorCode, errorMessage, message],
    );
  }

  async finish(id: string, outcome: JobOutcome): Promise<JobRecord | null> {
    const [row] = await this.update<JobRow>(
      `UPDATE jobs SET status = $2::text, result = COALESCE($3::jsonb, result), error_code = $4, error_message = $5, finished_at = now(),
              attempts = GREATEST(attempts, COALESCE($7::int, 0)),
              progress = CASE WHEN $2::text IN ('succeeded', 'partially_succeeded') THEN 100 ELSE progress END,
              step = CASE WHEN $2::text IN ('succeeded', 'partially_succeeded') THEN 'done' ELSE step END,
              events = ${APPEND_EVENT('$6')}
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [
        id,
        outcome.status,
        outcome.result ? JSON.stringify(outcome.result) : null,
        outcome.errorCode ?? null,
        outcome.errorMessage ?? null,
        outcome.message,
        outcome.attempts ?? null,
      ],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * A new parent, running from the start, and its children (queued jobs) in one transaction; or the
   * live parent that already holds the dedupe key, without children. Children come back in the
   * order given, which is the order they are queued in.
   */
  async insertParent(parent: {
    id: string;
    type: string;
    params: unknown;
    dedupeKey: string;
    apiKeyId: string | null;
    retryOf: string | null;
    step: string;
    started: string;
    children: { type: string; params: unknown; dedupeKey: string }[];
  }): Promise<{ job: JobRecord; children: JobRecord[]; created: boolean }> {
    // As for a single job: a parent that ends between our failed insert and the select frees the key.
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await this.dataSource.transaction(async (manager) => {
        const [row] = await manager.query<JobRow[]>(
          `INSERT INTO jobs (id, type, params, dedupe_key, api_key_id, retry_of, status, started_at, step, events)
           VALUES ($1, $2, $3, $4, $5, $6, 'running', now(), $7, jsonb_build_array(jsonb_build_object('at', now(), 'message', $8::text)))
           ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
           RETURNING *`,
          [
            parent.id,
            parent.type,
            JSON.stringify(parent.params),
            parent.dedupeKey,
            parent.apiKeyId,
            parent.retryOf,
            parent.step,
            parent.started,
          ],
        );
        if (!row) {
          const [live] = await manager.query<JobRow[]>(
            `SELECT * FROM jobs WHERE dedupe_key = $1 AND status IN ('queued', 'running')`,
            [parent.dedupeKey],
          );
          return live ? { job: toRecord(live), children: [], created: false } : null;
        }
        const children = await manager.query<JobRow[]>(
          `INSERT INTO jobs (type, params, dedupe_key, api_key_id, parent_id, events)
           SELECT child->>'type', child->'params', child->>'dedupeKey', $2, $3, jsonb_build_array(jsonb_build_object('at', now(), 'message', $4::text))
             FROM jsonb_array_elements($1::jsonb) AS child
           RETURNING *`,
          [JSON.stringify(parent.children), parent.apiKeyId, parent.id, `queued by ${parent.type} ${parent.id}`],
        );
        const order = new Map(parent.children.map((child, index) => [child.dedupeKey, index]));
        const records = children
          .map(toRecord)
          .sort((a, b) => (order.get(a.dedupeKey) ?? 0) - (order.get(b.dedupeKey) ?? 0));
        return { job: toRecord(row), children: records, created: true };
      });
      if (outcome) return outcome;
    }
    throw new Error(`Could not insert or find a live ${parent.type} for ${parent.dedupeKey}`);
  }

  /**
   * Brings a parent up to date with its children through `settle` (the kind's): progress, step and,
   * once every child has ended, its own end. The parent row is locked first and its children read by
   * a separate statement, so of two children ending together the second to get the lock sees the
   * first's commit. `ended`: this call ended it. Null: no such parent.
   */
  async refreshParent(
    parentId: string,
    settle: (type: string, children: JobChild[], cancelRequested: boolean) => JobSettlement,
  ): Promise<{ job: JobRecord; ended: boolean } | null> {
    return this.dataSource.transaction(async (manager) => {
      const [locked] = await manager.query<JobRow[]>(`SELECT * FROM jobs WHERE id = $1 FOR UPDATE`, [parentId]);
      if (!locked) return null;
      const children = await manager.query<JobChild[]>(
        `SELECT id, type AS kind, params, status, error_code AS "errorCode" FROM jobs WHERE parent_id = $1 ORDER BY created_at, id`,
        [parentId],
      );
      if (children.length === 0) return null;
      if (locked.status !== 'queued' && locked.status !== 'running') return { job: toRecord(locked), ended: false };
      const tally = settle(locked.type, children, locked.cancel_requested_at !== null);
      const end = tally.end;
      const [row] = end
        ? await updated<JobRow>(
            manager,
            `UPDATE jobs SET status = $2::text, progress = 100, step = $3, result = $4, error_code = $5, error_message = $6, finished_at = now(),
                    events = ${APPEND_EVENT('$7')}
              WHERE id = $1 RETURNING *`,
            [
              parentId,
              end.status,
              tally.step,
              JSON.stringify(end.result),
              end.errorCode,
              end.errorMessage,
              end.message,
            ],
          )
        : await updated<JobRow>(
            manager,
            'UPDATE jobs SET progress = GREATEST(progress, $2), step = $3 WHERE id = $1 RETURNING *',
            [parentId, tally.progress, tally.step],
          );
      return { job: { ...toRecord(row), children: countChildren(children) }, ended: end !== null };
    });
  }

  /** Running parents whose children have all ended: an update a child's end should have made is missing. */
  async unsettledParentIds(): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM jobs parent WHERE status = 'running'
          AND EXISTS (SELECT 1 FROM jobs child WHERE child.parent_id = parent.id)
          AND NOT EXISTS (SELECT 1 FROM jobs child WHERE child.parent_id = parent.id AND child.status IN ('queued', 'running'))`,
    );
    return rows.map((row) => row.id);
  }

  /** A parent's queued children → cancelled, as a queued job's cancel does; answers the ones cancelled. */
  async cancelQueuedChildren(parentId: string): Promise<JobRecord[]> {
    const rows = await this.update<JobRow>(
      `UPDATE jobs SET ${CANCEL_QUEUED}, events = ${APPEND_EVENT('$2')} WHERE parent_id = $1 AND status = 'queued' RETURNING *`,
      [parentId, 'cancelled while queued, with its parent'],
    );
    return rows.map(toRecord);
  }

  /**
   * Flags a parent's live children: running ones stop at their next step, and one that went back
   * to the queue meanwhile (a retry) is refused when its processor picks it up.
   */
  async requestCancelChildren(parentId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, now()), events = ${APPEND_EVENT('$2')}
        WHERE parent_id = $1 AND status IN ('queued', 'running')`,
      [parentId, 'cancel requested, with its parent'],
    );
  }

  /** TypeORM answers an UPDATE with `[rows, rowCount]`, not the rows alone. */
  private async update<T>(sql: string, params: unknown[]): Promise<T[]> {
    const [rows] = await this.dataSource.query<[T[], number]>(sql, params);
    return rows;
  }

  /**
   * Live rows the reconciler may repair (parents have no queue entry of their own): queued ones
   * older than `queuedGraceMs` (a submit adds the queue entry just after the row) and running ones whose processor has not been heard from for
   * `silentMs` (a live processor saves progress far more often).
   */
  async liveForRepair(queuedGraceMs: number, silentMs: number): Promise<JobRecord[]> {
    const rows = await this.dataSource.query<JobRow[]>(
      `SELECT * FROM jobs
        WHERE NOT ${HAS_CHILDREN}
          AND ((status = 'queued' AND created_at < now() - make_interval(secs => $1 / 1000.0))
            OR (status = 'running' AND coalesce(heartbeat_at, started_at, created_at) < now() - make_interval(secs => $2 / 1000.0)))
        ORDER BY created_at`,
      [queuedGraceMs, silentMs],
    );
    return rows.map(toRecord);
  }

  /**
   * Back to queued without an error and without spending an attempt: a processor shutting down
   * handed the job back, or the reconciler restored its lost queue entry.
   */
  async returnToQueue(id: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jobs SET status = 'queued', step = 'waiting to resume', heartbeat_at = NULL, events = ${APPEND_EVENT('$2')}
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, message],
    );
  }

  /**
   * Runs `work` only in the one process that holds the reconcile lock for this transaction;
   * answers false (without running it) when another process is reconciling right now.
   */
  async withReconcileLock(work: () => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1, 0) AS locked',
        [RECONCILE_LOCK],
      );
      if (locked) await work();
      return locked;
    });
  }
}

/** TypeORM answers an UPDATE with `[rows, rowCount]`, not the rows alone: inside a transaction too. */
async function updated<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = await manager.query<[T[], number]>(sql, params);
  return rows;
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    type: row.type,
    params: row.params,
    result: row.result,
    dedupeKey: row.dedupe_key,
    status: row.status,
    progress: row.progress,
    step: row.step,
    attempts: row.attempts,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    apiKeyId: row.api_key_id,
    retryOf: row.retry_of,
    parentId: row.parent_id,
    children: row.children ?? null,
    cancelRequestedAt: row.cancel_requested_at,
    events: row.events,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
