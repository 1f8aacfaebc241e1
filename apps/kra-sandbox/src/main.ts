import { createKraSandbox, KraSandboxOptions } from '@app/kra-sandbox';

/**
 * Standalone KRA sandbox: a simulated apis.data.go.kr/B551015 for local runs.
 * KRA_SANDBOX_PORT (3002), KRA_SANDBOX_HOST (127.0.0.1), KRA_SANDBOX_SEED, KRA_SANDBOX_SERVICE_KEYS
 * (comma-separated raw keys: turns the strict key check on), KRA_SANDBOX_LATENCY_MS, KRA_FIXTURES_DIR,
 * KRA_SANDBOX_WORLD (`history`, the default: the simulated world with careers, ratings and a market;
 * `classic`: each day generated on its own), KRA_SANDBOX_WORLD_START (its first day, YYYY-MM-DD).
 */

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
}

function nonNegativeInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer`);
  return Number(raw);
}

async function main(): Promise<void> {
  const port = nonNegativeInt('KRA_SANDBOX_PORT', 3002);
  const host = process.env.KRA_SANDBOX_HOST || '127.0.0.1';
  const latencyMs = nonNegativeInt('KRA_SANDBOX_LATENCY_MS', 0);
  const serviceKeys = process.env.KRA_SANDBOX_SERVICE_KEYS?.split(',')
    .map((key) => key.trim())
    .filter(Boolean);
  const options: KraSandboxOptions = {
    seed: process.env.KRA_SANDBOX_SEED || undefined,
    world: process.env.KRA_SANDBOX_WORLD === 'classic' ? 'classic' : 'history',
    worldStart: process.env.KRA_SANDBOX_WORLD_START || undefined,
    serviceKeys: serviceKeys && serviceKeys.length > 0 ? serviceKeys : undefined,
    faults: latencyMs > 0 ? { '*': { latencyMs } } : undefined,
  };
  const sandbox = await createKraSandbox(options);
  const url = await sandbox.listen(port, host);
  // The keys themselves are never logged, only whether the strict check is on.
  log('info', 'KRA sandbox listening', {
    url,
    admin: url.replace(/\/B551015$/, '/_sandbox'),
    strictKeys: options.serviceKeys !== undefined,
    latencyMs,
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    sandbox.close().then(
      () => {
        log('info', 'KRA sandbox stopped', { signal });
        process.exit(0);
      },
      (error: unknown) => {
        log('error', 'KRA sandbox failed to stop cleanly', { signal, error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  log('error', 'KRA sandbox failed to start', { error: (error as Error).message });
  process.exit(1);
});
