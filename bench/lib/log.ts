/**
 * The benches' logger: warnings and errors of the collector and the seam go to stderr, except
 * kafkajs's own log lines, which are counted by message (kafkajs logs retried, harmless
 * conditions such as CONCURRENT_TRANSACTIONS at error level) and summarised at the end.
 */
import { pino, type Logger } from 'pino';

export interface BenchLog {
  readonly logger: Logger;
  /** The last line logged (kafkajs included), to explain a leg that makes no progress. */
  last(): string;
  /** `count × message` of kafkajs's lines, most frequent first. */
  kafkajsSummary(): string[];
}

export function benchLogger(): BenchLog {
  let last = '';
  const kafkajs = new Map<string, number>();
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        last = line.trim();
        try {
          const o = JSON.parse(line) as { component?: string; msg?: string; error?: string };
          if (o.component === 'kafkajs') {
            const key = `${o.msg ?? ''}${o.error !== undefined ? `: ${o.error}` : ''}`;
            kafkajs.set(key, (kafkajs.get(key) ?? 0) + 1);
            return;
          }
        } catch {
          // not JSON: print as is
        }
        process.stderr.write(line);
      },
    },
  );
  return {
    logger,
    last: () => last,
    kafkajsSummary: () =>
      [...kafkajs.entries()].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n} × ${m}`),
  };
}
