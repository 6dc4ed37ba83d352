/**
 * A BMC password in memory. The plaintext sits in a private field and leaves only through
 * `reveal()`, so every place that needs it is one grep away. Everything that turns objects
 * into text (JSON.stringify and pino's serializer, util.inspect and console.log, template
 * strings, string concatenation) sees `[redacted]` instead: a credential logged by mistake
 * with a whole server config, or echoed in an error, leaks nothing.
 */
import { timingSafeEqual } from 'node:crypto';

export const REDACTED = '[redacted]';

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  static of(value: string | Secret): Secret {
    return value instanceof Secret ? value : new Secret(value);
  }

  /** The plaintext, for the one place that hands it to a driver (0600 file or stdin). */
  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  /** Constant-time comparison, so comparing secrets leaks no prefix timing. */
  equals(other: Secret): boolean {
    const a = Buffer.from(this.#value, 'utf8');
    const b = Buffer.from(other.#value, 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return `Secret(${REDACTED})`;
  }
}
