/**
 * Rows highlighted as new after a live refresh (the `fresh` class, a 3 s CSS animation). Each id
 * is dropped once its highlight has played, so the set does not grow while a page stays open.
 */
import { SvelteSet } from 'svelte/reactivity';

export class Highlights {
  readonly #ids = new SvelteSet<string>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ms = 3000) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  get size(): number {
    return this.#ids.size;
  }

  add(id: string): void {
    const before = this.#timers.get(id);
    if (before !== undefined) clearTimeout(before);
    this.#ids.add(id);
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        this.#ids.delete(id);
      }, this.ms),
    );
  }

  /** Drop them all (page left). */
  clear(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#ids.clear();
  }
}
