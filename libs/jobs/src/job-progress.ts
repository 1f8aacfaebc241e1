import { Logger } from '@nestjs/common';
import { JobCancelledError, JobInterruptedError } from './job-outcome';
import { CollectJobRecord } from './job.types';
import { JobsRepository } from './jobs.repository';

/** How much of a run each engine step is, roughly by the calls it makes. */
const STEP_WEIGHTS: Record<string, number> = { entries: 1, details: 3, results: 2 };
const SAVE_INTERVAL_MS = 250;

/**
 * Turns the engine's per-step progress into one 0–99 figure (100 only once the job has ended), saved
 * at most every {@link SAVE_INTERVAL_MS}. Each save also reads the cancel flag; the engine's next
 * progress call then throws {@link JobCancelledError}, which is the step boundary a cancel waits for;
 * {@link interrupt} (the processor is shutting down) makes it throw {@link JobInterruptedError}.
 */
export class JobProgress {
  private readonly logger = new Logger(JobProgress.name);
  private readonly fractions = new Map<string, number>();
  private readonly weights: Record<string, number>;
  private step = 'starting';
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  cancelled = false;
  interrupted = false;
  /** The row stopped being this run's (ended or re-queued elsewhere): stop, and leave the row alone. */
  detached = false;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly record: CollectJobRecord,
  ) {
    const { details, results } = record.params;
    this.weights = {
      entries: STEP_WEIGHTS.entries,
      ...(details ? { details: STEP_WEIGHTS.details } : {}),
      ...(results ? { results: STEP_WEIGHTS.results } : {}),
    };
    // Saving on a timer rather than per call also polls the cancel flag during long silent steps.
    // Each save also stamps the row's heartbeat, which tells the reconciler the job is alive.
    this.timer = setInterval(() => this.save(), SAVE_INTERVAL_MS);
  }

  readonly onProgress = (step: string, done: number, total: number): void => {
    if (this.cancelled) throw new JobCancelledError();
    if (this.interrupted || this.detached) throw new JobInterruptedError();
    if (!this.fractions.has(step)) this.chain(() => this.jobs.addEvent(this.record.id, `${step}: ${total} to do`));
    this.fractions.set(step, total > 0 ? Math.min(1, done / total) : 1);
    this.step = `${step} ${done}/${total}`;
    this.dirty = true;
  };

  /** The step the run was in, as last reported (`details 12/40`). */
  get stepName(): string {
    return this.step;
  }

  get percent(): number {
    const totalWeight = Object.values(this.weights).reduce((sum, weight) => sum + weight, 0);
    const doneWeight = Object.entries(this.weights).reduce(
      (sum, [step, weight]) => sum + weight * (this.fractions.get(step) ?? 0),
      0,
    );
    return Math.min(99, Math.floor((99 * doneWeight) / totalWeight));
  }

  /** Stops the run at its next step boundary so that the job can resume in another process. */
  interrupt(): void {
    this.interrupted = true;
  }

  /** Stops the timer and waits for the writes in flight, so the final update lands after them. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.dirty) this.save();
    await this.saving;
  }

  private save(): void {
    const percent = this.percent;
    const step = this.step;
    this.dirty = false;
    this.chain(async () => {
      const answer = await this.jobs.progress(this.record.id, percent, step);
      if (answer === 'cancel') this.cancelled = true;
      if (answer === 'gone') this.detached = true;
    });
  }

  /** One write at a time, in order; a failed write is logged, never thrown into the engine. */
  private chain(write: () => Promise<void>): void {
    this.saving = this.saving
      .then(write)
      .catch((error: unknown) => this.logger.warn(`Job ${this.record.id}: progress not saved: ${String(error)}`));
  }
}
