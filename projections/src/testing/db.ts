/**
 * Test helpers over a projected database: wait until the projections caught up with the log,
 * and dump tables in a canonical order for row-by-row comparison. Not part of the API.
 */
import type { Queryable } from '@ipmi-monitor/db';
import type { Seam } from '@ipmi-monitor/runtime';
import { eventually } from '@ipmi-monitor/runtime/testing';
import type { Projection } from '../projections.js';

/** Resolves once every partition of every projection's topics is stored at its end. */
export async function waitCaughtUp(
  db: Queryable,
  seam: Seam,
  projections: readonly Projection[],
  timeoutMs: number,
): Promise<void> {
  const ends = new Map<string, bigint>();
  for (const p of projections) {
    for (const topic of p.topics) {
      for (const o of await seam.offsets(topic)) {
        if (BigInt(o.high) > BigInt(o.low))
          ends.set(`${p.name}/${topic}:${o.partition}`, BigInt(o.high));
      }
    }
  }
  await eventually(
    async () => {
      const { rows } = await db.query<{ k: string; next: string }>(
        `SELECT consumer || '/' || topic || ':' || partition AS k, next_offset::text AS next
           FROM projection_offsets`,
      );
      const at = new Map(rows.map((r) => [r.k, BigInt(r.next)]));
      for (const [k, end] of ends) if ((at.get(k) ?? -1n) < end) return undefined;
      return true;
    },
    { timeoutMs, intervalMs: 200, what: 'the projections to reach the end of their topics' },
  );
}

/** Every row of each table as JSON text, sorted: equal dumps mean equal tables. */
export async function dumpTables(
  db: Queryable,
  tables: readonly string[],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const { rows } = await db.query<{ j: string }>(
      `SELECT row_to_json(t)::text AS j FROM ${table} t`,
    );
    out[table] = rows.map((r) => r.j).sort();
  }
  return out;
}
