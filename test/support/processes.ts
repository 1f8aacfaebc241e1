import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
export const API_MAIN = resolve(ROOT, 'dist/apps/api/src/main.js');
export const WORKER_MAIN = resolve(ROOT, 'dist/apps/worker/src/main.js');
export const MIGRATE_MAIN = resolve(ROOT, 'dist/apps/api/src/migrate.js');
export const OPENAPI_MAIN = resolve(ROOT, 'dist/apps/api/src/openapi.js');
export const CLI_MAIN = resolve(ROOT, 'dist/apps/api/src/cli.js');

/** A built entry point run as a real process, the way production runs it. */
export class NodeProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  /** `entry` is a built file, or a node flag such as `-e` followed by its argument in `args`. */
  constructor(entry: string, env: Record<string, string>, args: string[] = []) {
    if (!entry.startsWith('-') && !existsSync(entry))
      throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    this.child = spawn(process.execPath, [entry, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolveExit) => this.child.on('exit', (code) => resolveExit(code)));
  }

  /** Resolves with the port once the process logs that it listens; rejects if it exits first. */
  async listening(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = /"port":(\d+)/.exec(this.stdout);
      if (match && /listening|running/.test(this.stdout)) return Number(match[1]);
      if (this.child.exitCode !== null)
        throw new Error(`exited with ${this.child.exitCode}: ${this.stderr}${this.stdout}`);
      await sleep(50);
    }
    throw new Error(`not listening after ${timeoutMs} ms: ${this.stdout}${this.stderr}`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** A free TCP port, for processes that must listen on a known port. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Runs a built entry point on a pseudo-terminal (util-linux `script`), as a person at a terminal
 * runs it: stdout and stderr are both the terminal, and `output` is what the screen received.
 */
export async function runOnTerminal(
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, entry, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolveExit) => child.on('exit', (exitCode) => resolveExit(exitCode)));
  return { code, output };
}

/**
 * Polls `probe` until `accept` takes its value, and returns that value; fails after `timeoutMs`
 * naming `what`. For waiting on something that will happen (a key's cache lapsing, a job's state),
 * instead of sleeping a fixed time and hoping.
 */
export async function waitUntil<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  {
    timeoutMs = 10_000,
    intervalMs = 50,
    what = 'the condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
