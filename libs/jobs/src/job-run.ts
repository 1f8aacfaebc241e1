import { JobContext } from '@app/common';
import { Logger } from '@nestjs/common';
import { JobRecord } from './job.types';

/** Why a run was told to stop: the signal's reason, read by the processor only. */
export type StopReason = 'cancel' | 'shutdown' | 'detached';

/** What the run's progress is saved through; the answer says whether the run may go on. */
export interface ProgressSink {
  progress(id: string, percent: number, step: string): Promise<'go' | 'cancel' | 'gone'>;
  addEvent(id: string, message: string): Promise<void>;
}

const SAVE_INTERVAL_MS = 250;

/**
 * One attempt of one job: the context its handler runs with. Turns the handler's per-step progress
 * into one 0–99 figure (100 only once the job has ended) saved at most every {@link SAVE_INTERVAL_MS};
 * each save also stamps the heartbeat and reads the cancel flag. A cancel, a shutdown or the row
 * ceasing to be this run's aborts the signal, with the reason kept here.
 */
export class JobRun<P = unknown> implements JobContext<P> {
  private readonly logger = new Logger(JobRun.name);
  private readonly controller = new AbortController();
  private readonly fractions = new Map<string, number>();
  private step = 'starting';
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  stopReason: StopReason | null = null;

  constructor(
    private readonly sink: ProgressSink,
    private readonly record: JobRecord,
    readonly attempt: number,
    /** Declared weights; without them every step seen weighs the same. */
    private readonly weights: Record<string, number> | undefined,
  ) {}

  get jobId(): string {
    return this.record.id;
  }

  get params(): P {
    return this.record.params as P;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Saving on a timer rather than per call also polls the cancel flag during long silent steps. */
  begin(): this {
    this.timer = setInterval(() => this.save(), SAVE_INTERVAL_MS);
    return this;
  }

  readonly progress = (step: string, done: number, total: number): void => {
    if (!this.fractions.has(step)) this.chain(() => this.sink.addEvent(this.record.id, `${step}: ${total} to do`));
    this.fractions.set(step, total > 0 ? Math.min(1, done / total) : 1);
    this.step = `${step} ${done}/${total}`;
    this.dirty = true;
  };

  /** The step the run was in, as last reported (`details 12/40`). */
  get stepName(): string {
    return this.step;
  }

  get percent(): number {
    const weights = this.weights ?? Object.fromEntries([...this.fractions.keys()].map((step) => [step, 1]));
    const totalWeight = Object.values(weights).reduce((sum, weight) => sum + weight, 0);
    if (totalWeight === 0) return 0;
    const doneWeight = Object.entries(weights).reduce(
      (sum, [step, weight]) => sum + weight * (this.fractions.get(step) ?? 0),
      0,
    );
    return Math.min(99, Math.floor((99 * doneWeight) / totalWeight));
  }

  /** Tells the handler to stop at its next step boundary. A cancel outranks a shutdown: the job ends rather than resumes. */
  stop(reason: StopReason): void {
    if (this.stopReason && !(reason === 'cancel' && this.stopReason === 'shutdown')) return;
    this.stopReason = reason;
    this.controller.abort(new Error(`job ${this.record.id} stopped: ${reason}`));
  }

  /** Stops the timer and waits for the writes in flight, so the final update lands after them. */
  async end(): Promise<void> {
    clearInterval(this.timer);
    if (this.dirty) this.save();
    await this.saving;
  }

  private save(): void {
    const percent = this.percent;
    const step = this.step;
    this.dirty = false;
    this.chain(async () => {
      const answer = await this.sink.progress(this.record.id, percent, step);
      if (answer === 'cancel') this.stop('cancel');
      if (answer === 'gone') this.stop('detached');
    });
  }

  /** One write at a time, in order; a failed write is logged, never thrown into the handler. */
  private chain(write: () => Promise<void>): void {
    this.saving = this.saving
      .then(write)
      .catch((error: unknown) => this.logger.warn(`Job ${this.record.id}: progress not saved: ${String(error)}`));
  }
}
