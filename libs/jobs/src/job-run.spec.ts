import { describe, expect, it } from 'vitest';
import { JobRun, ProgressSink } from './job-run';
import { verdictOf } from './job-verdict';
import { JobRecord } from './job.types';

/** What a run saved, and the answer its saves get: the row's side, in memory. */
class FakeSink implements ProgressSink {
  saves: { percent: number; step: string }[] = [];
  events: string[] = [];
  answer: 'go' | 'cancel' | 'gone' = 'go';

  progress(_id: string, percent: number, step: string): Promise<'go' | 'cancel' | 'gone'> {
    this.saves.push({ percent, step });
    return Promise.resolve(this.answer);
  }

  addEvent(_id: string, message: string): Promise<void> {
    this.events.push(message);
    return Promise.resolve();
  }
}

const record = { id: 'job-1', type: 'test', params: { n: 1 } } as JobRecord;

describe('JobRun', () => {
  it('should weigh the declared steps into one figure that stays below 100', async () => {
    const sink = new FakeSink();
    const run = new JobRun(sink, record, 1, { entries: 1, details: 3 });
    run.progress('entries', 5, 5);
    expect(run.percent).toBe(24);
    run.progress('details', 1, 2);
    expect(run.percent).toBe(61);
    run.progress('details', 2, 2);
    expect(run.percent).toBe(99);
    expect(run.stepName).toBe('details 2/2');
    await run.end();
    expect(sink.saves).toEqual([{ percent: 99, step: 'details 2/2' }]);
    expect(sink.events).toEqual(['entries: 5 to do', 'details: 2 to do']);
  });

  it('should weigh undeclared steps equally, and count an empty step as done', () => {
    const run = new JobRun(new FakeSink(), record, 1, undefined);
    expect(run.percent).toBe(0);
    run.progress('a', 1, 4);
    run.progress('b', 0, 0);
    expect(run.percent).toBe(61);
  });

  it('should abort the signal when a save finds a cancel requested', async () => {
    const sink = new FakeSink();
    const run = new JobRun(sink, record, 2, undefined);
    expect(run).toMatchObject({ jobId: 'job-1', attempt: 2, params: { n: 1 } });
    sink.answer = 'cancel';
    run.progress('a', 1, 2);
    await run.end();
    expect(run.signal.aborted).toBe(true);
    expect(run.stopReason).toBe('cancel');
  });

  it('should stop as detached when the row is no longer this run’s', async () => {
    const sink = new FakeSink();
    const run = new JobRun(sink, record, 1, undefined);
    sink.answer = 'gone';
    run.progress('a', 1, 2);
    await run.end();
    expect(run.stopReason).toBe('detached');
  });

  it('should let a cancel outrank a shutdown, but not the other way round', () => {
    const first = new JobRun(new FakeSink(), record, 1, undefined);
    first.stop('shutdown');
    expect(first.signal.aborted).toBe(true);
    first.stop('cancel');
    expect(first.stopReason).toBe('cancel');

    const second = new JobRun(new FakeSink(), record, 1, undefined);
    second.stop('cancel');
    second.stop('shutdown');
    second.stop('detached');
    expect(second.stopReason).toBe('cancel');
  });
});

describe('verdictOf', () => {
  const succeeded = { report: { outcome: 'succeeded' as const, result: { n: 1 }, summary: '1 thing' } };

  it('should put a stop the mechanism asked for above whatever the handler answered', () => {
    expect(verdictOf('cancel', succeeded)).toEqual({ kind: 'cancelled', result: { n: 1 } });
    expect(verdictOf('shutdown', succeeded)).toEqual({ kind: 'interrupted' });
    expect(verdictOf('detached', { error: new Error('x') })).toEqual({ kind: 'detached' });
    expect(verdictOf('cancel', { error: new Error('aborted') })).toEqual({ kind: 'cancelled', result: null });
  });

  it('should wait for the database when it escaped the handler or the handler says so, and retry other errors', () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(verdictOf(null, { error: down })).toMatchObject({ kind: 'database' });
    expect(verdictOf(null, { error: new TypeError('oops') })).toMatchObject({
      kind: 'retry',
      code: 'internal',
      partial: false,
    });
    expect(
      verdictOf(null, {
        report: { outcome: 'failed', result: null, code: 'database', message: 'down', retry: true, partial: false },
      }),
    ).toEqual({ kind: 'database', message: 'down' });
  });

  it("should follow the handler's report otherwise", () => {
    expect(verdictOf(null, succeeded)).toEqual({ kind: 'succeeded', result: { n: 1 }, summary: '1 thing' });
    expect(
      verdictOf(null, {
        report: { outcome: 'partially_succeeded', result: 1, summary: 's', code: 'quota', message: 'm' },
      }),
    ).toMatchObject({ kind: 'partially_succeeded', code: 'quota', message: 'm', summary: 's' });
    expect(
      verdictOf(null, {
        report: { outcome: 'failed', result: 2, code: 'auth', message: 'no', retry: false, partial: false },
      }),
    ).toEqual({ kind: 'permanent', result: 2, code: 'auth', message: 'no' });
    expect(
      verdictOf(null, {
        report: { outcome: 'failed', result: 3, code: 'transient', message: 'later', retry: true, partial: true },
      }),
    ).toEqual({ kind: 'retry', result: 3, code: 'transient', message: 'later', partial: true });
  });
});
