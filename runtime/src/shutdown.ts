import type { Logger } from 'pino';
import { runtimeErrors } from './errors.js';

export interface Closeable {
  name: string;
  close: () => Promise<void> | void;
}

/**
 * Graceful shutdown: every resource registers its own close when it opens, and closes run
 * in reverse order of registration (stop intake before flushing producers before closing
 * pools). A deadline bounds the whole thing: a hung close must not keep a dying process
 * alive forever, because the supervisor restarts it and at-least-once intake re-reads
 * whatever was not committed.
 */
export class Shutdown {
  private readonly closers: Closeable[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly deadlineMs = 15_000,
  ) {}

  register(name: string, close: Closeable['close']): void {
    this.closers.push({ name, close });
  }

  get isShuttingDown(): boolean {
    return this.running !== undefined;
  }

  run(reason: string): Promise<void> {
    this.running ??= this.closeAll(reason);
    return this.running;
  }

  private async closeAll(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    const all = (async () => {
      for (const c of [...this.closers].reverse()) {
        try {
          await c.close();
          this.logger.debug({ resource: c.name }, 'closed');
        } catch (err) {
          this.logger.error({ err, resource: c.name }, 'close failed');
        }
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            runtimeErrors.error('RT_SHUTDOWN_TIMEOUT', `shutdown exceeded ${this.deadlineMs} ms`),
          ),
        this.deadlineMs,
      );
      timer.unref();
    });
    try {
      await Promise.race([all, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGINT/SIGTERM run the shutdown once, then exit (non-zero if it failed). */
  installSignalHandlers(exit: (code: number) => void = (c) => process.exit(c)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.run(signal).then(
        () => exit(0),
        (err: unknown) => {
          this.logger.error({ err }, 'shutdown failed');
          exit(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}

/**
 * How a service process ends: SIGINT or SIGTERM runs the shutdown and resolves with exit code
 * 0; `failed` rejecting (the service cannot go on: fenced, crashed) logs why, runs the
 * shutdown and resolves with 1, so the supervisor restarts the process.
 */
export function stopOnSignals(
  shutdown: Shutdown,
  logger: Logger,
  failed?: Promise<unknown>,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const stop = (reason: string, code: number) => {
      void shutdown.run(reason).finally(() => resolve(code));
    };
    failed?.catch((err: unknown) => {
      logger.error({ err }, 'service failed; stopping');
      stop('failure', 1);
    });
    process.once('SIGINT', () => stop('SIGINT', 0));
    process.once('SIGTERM', () => stop('SIGTERM', 0));
  });
}
