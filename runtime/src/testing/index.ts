/**
 * Helpers for integration tests against the real local stack (infra/local/stack.sh).
 * Each test isolates itself with a random prefix: its own topics, consumer groups and
 * registry subjects, so test files run in parallel against one broker.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { commonConfig, parseConfig } from '../config.js';

export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}-`;
}

/** Where the running stack is, from the same variables the services read. */
export function stackEnv(env = process.env): { brokers: string[]; registryUrl: string } {
  const c = parseConfig(commonConfig, env);
  return { brokers: c.kafkaBrokers, registryUrl: c.registryUrl };
}

/**
 * A logger for tests: JSON lines into .state/test-logs/<name>.log (warn and above also
 * show up there), so a failing test leaves evidence without flooding the runner output.
 */
export function testLogger(name: string): Logger {
  const dir = join(process.cwd(), '.state', 'test-logs');
  mkdirSync(dir, { recursive: true });
  const level = process.env.TEST_LOG_LEVEL ?? 'info';
  return pino({ name, level }, createWriteStream(join(dir, `${name}.log`), { flags: 'a' }));
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
