import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { redact, redactString } from './redact';

export type AppLogger = Logger;

/**
 * The process logger: JSON lines on stdout, every object and message passed through the
 * redactor, so a secret cannot reach a log line whichever code path logs it.
 */
export function createLogger(level: string, destination?: DestinationStream): AppLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (error: unknown) => error },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object),
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((arg: unknown) => (typeof arg === 'string' ? redactString(arg) : arg));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    destination ?? bufferedStdout(),
  );
}

/**
 * Stdout, written in chunks: a write per request line costs a third of the API's CPU under load.
 * Lines wait at most a second; entry points flush before they exit (exitAfterFlush).
 */
function bufferedStdout(): DestinationStream {
  return pino.destination({ fd: 1, sync: false, minLength: 8_192, periodicFlush: 1_000 });
}

/** Exits once buffered log lines are written, so the last words of a process are never lost. */
export function exitAfterFlush(logger: AppLogger, code: number): void {
  setTimeout(() => process.exit(code), 2_000).unref();
  logger.flush(() => process.exit(code));
}

/** Routes Nest's own logging (bootstrap messages, `new Logger(ctx)`) into the JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    // Nest passes the context name last; an error logger may pass a stack before it.
    const rest = [...params];
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    // Nest's per-controller headings ("HealthController {/api/v2/health}:") apply the global prefix
    // even to routes excluded from it; the "Mapped {…}" line of each route names its real path.
    if (context === 'RoutesResolver' && level === 'info') return;
    const fields: Record<string, unknown> = { context };
    if (message instanceof Error) {
      fields.err = message;
      this.logger[level](fields, message.message);
      return;
    }
    if (level === 'error' && typeof rest[0] === 'string') fields.stack = rest[0];
    else if (rest.length > 0) fields.details = rest.length === 1 ? rest[0] : rest;
    if (typeof message === 'string') this.logger[level](fields, message);
    else this.logger[level]({ ...fields, data: message });
  }
}
