/**
 * Re-fetching after live events. An event can reach the browser before the database projection
 * has it, so an event triggers one fetch shortly after it (~1 s: events of a burst share it,
 * and a steady stream of events cannot postpone it for ever) and one more a few seconds after
 * the LAST event (~4 s) to catch a slow projection. Timers are injectable for tests.
 */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Refresher {
  /** An event arrived: (re)schedule the fetches. */
  trigger(): void;
  /** Drop what is scheduled (page left). */
  cancel(): void;
}

export function createRefresher(
  run: () => void,
  delays: readonly number[] = [1000, 4000],
  timers: Timers = realTimers,
): Refresher {
  const [first, ...later] = delays;
  let soon: unknown = null;
  let trailing: unknown[] = [];
  const cancel = () => {
    if (soon !== null) timers.clear(soon);
    soon = null;
    for (const h of trailing) timers.clear(h);
    trailing = [];
  };
  return {
    trigger() {
      if (first !== undefined && soon === null) {
        soon = timers.set(() => {
          soon = null;
          run();
        }, first);
      }
      for (const h of trailing) timers.clear(h);
      trailing = later.map((ms) => timers.set(run, ms));
    },
    cancel,
  };
}

/**
 * Runs tasks one after the other: a live refresh and a "Load more" must not interleave, or
 * the one that ends last overwrites what the other added.
 */
export function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}
