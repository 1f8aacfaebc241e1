import type { DestinationStream } from 'pino';

/** What a terminal shows of a JSON log line: `WARN  [Context] message`. */
export function humanLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry.level === 'string' ? entry.level.toUpperCase() : 'LOG';
  const context = typeof entry.context === 'string' ? ` [${entry.context}]` : '';
  const error = entry.err as { message?: unknown } | undefined;
  const detail = typeof error?.message === 'string' && error.message !== entry.msg ? `: ${error.message}` : '';
  return `${level.padEnd(5)}${context} ${typeof entry.msg === 'string' ? entry.msg : ''}${detail}`;
}

/**
 * The command line's stderr: a progress bar that stays on its line, and log lines printed above it
 * (human-readable on a terminal, JSON lines otherwise). Standard output is left to the report.
 */
export class CliOutput {
  readonly tty: boolean;
  private bar = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true;
  }

  /** The destination of the command's logger: each line goes above the bar. */
  logDestination(): DestinationStream {
    return {
      write: (chunk: string) => {
        for (const line of chunk.split('\n')) if (line !== '') this.line(this.tty ? humanLogLine(line) : line);
      },
    };
  }

  /** A line of text above the progress bar, which is drawn again below it. */
  line(text: string): void {
    if (this.bar) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    if (this.bar) this.stream.write(this.bar);
  }

  /** Draws the bar (a terminal only) in place of the previous one. */
  drawBar(text: string): void {
    this.bar = text;
    this.stream.write(`\r\x1b[2K${text}`);
  }

  /** Ends the bar's line, leaving it on the screen. */
  endBar(): void {
    if (!this.bar) return;
    this.stream.write('\n');
    this.bar = '';
  }

  write(text: string): void {
    this.endBar();
    this.stream.write(text);
  }
}
