/**
 * Protects the gateway: at most `concurrency` calls in flight and at most `perSecond` starts a
 * second, shared by every call of one client.
 */
export class UpstreamLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStartAt = 0;
  private readonly spacingMs: number;

  constructor(
    private readonly concurrency: number,
    perSecond: number,
  ) {
    this.spacingMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  /** Waits for a slot and the next start time; call the returned function when done. */
  async acquire(): Promise<() => void> {
    if (this.active < this.concurrency) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the releaser hands its slot over
    const now = Date.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.spacingMs;
    if (startAt > now) await new Promise((resolve) => setTimeout(resolve, startAt - now));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}
