import { FINAL_STATUSES } from '@app/common';
import { expect } from 'vitest';
import { ADMIN_KEY } from './infra';
import { sleep } from './processes';

export const hasEnded = (job: { status: string }): boolean =>
  (FINAL_STATUSES as readonly string[]).includes(job.status);

export interface WaitOptions<TJob> {
  key?: string;
  /** 30 s unless told. */
  timeoutMs?: number;
  /** The pause between polls; 50 ms unless told. */
  intervalMs?: number;
  /** Sees every job read on the way, the one returned included. */
  onPoll?: (job: TJob) => void;
}

/**
 * The API of a running app as the jobs tests call it: paths relative to /api/v2, JSON bodies,
 * an API key on every request (ADMIN_KEY unless told), jobs read as `TJob`. The base URL may be
 * given as a function, for an app a test file starts only in its `beforeAll`.
 */
export class JobsApi<TJob extends { status: string } = { status: string }> {
  constructor(
    private readonly baseUrl: string | (() => string),
    private readonly defaultKey = ADMIN_KEY,
  ) {}

  request(method: string, path: string, key = this.defaultKey, body?: unknown): Promise<Response> {
    const baseUrl = typeof this.baseUrl === 'string' ? this.baseUrl : this.baseUrl();
    return fetch(`${baseUrl}/api/v2${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Submits work that answers 202 with a job id. */
  async submit(path: string, body: unknown, key = this.defaultKey): Promise<string> {
    const response = await this.request('POST', path, key, body);
    expect(response.status).toBe(202);
    return ((await response.json()) as { jobId: string }).jobId;
  }

  async job(id: string, key = this.defaultKey): Promise<TJob> {
    const response = await this.request('GET', `/jobs/${id}`, key);
    expect(response.status).toBe(200);
    return (await response.json()) as TJob;
  }

  /**
   * Polls a job until `done` holds for it. An answer other than 200 (a rate limit, an outage
   * being tested) is not a job: it is noted and polled past.
   */
  async waitFor(
    id: string,
    done: (job: TJob) => boolean,
    { key = this.defaultKey, timeoutMs = 30_000, intervalMs = 50, onPoll }: WaitOptions<TJob> = {},
  ): Promise<TJob> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      const response = await this.request('GET', `/jobs/${id}`, key);
      if (response.ok) {
        const job = (await response.json()) as TJob;
        last = job;
        onPoll?.(job);
        if (done(job)) return job;
      } else {
        last = { httpStatus: response.status, body: await response.text() };
      }
      await sleep(intervalMs);
    }
    throw new Error(`job ${id} not as expected within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
  }

  /** Polls until the job has ended, returning it with each change of `track(job)` seen on the way. */
  async settle<V>(
    id: string,
    track: (job: TJob) => V,
    options: Omit<WaitOptions<TJob>, 'onPoll'> = {},
  ): Promise<{ final: TJob; seen: V[] }> {
    const seen: V[] = [];
    const onPoll = (job: TJob): void => {
      const value = track(job);
      if (seen.at(-1) !== value) seen.push(value);
    };
    return { final: await this.waitFor(id, hasEnded, { ...options, onPoll }), seen };
  }

  /** Creates an API key with the given scopes, returning the key itself. */
  async createKey(name: string, scopes: string[]): Promise<string> {
    const response = await this.request('POST', '/admin/api-keys', this.defaultKey, { name, scopes });
    expect(response.status).toBe(201);
    return ((await response.json()) as { key: string }).key;
  }
}
