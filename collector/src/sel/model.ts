/**
 * The SEL cursor: which entries of a fresh SEL read are new, and whether the SEL was
 * cleared or overflowed since the last read. Pure: (cursor, read) → (cursor, decision).
 *
 * Why not "record id > last record id": IPMI does not promise increasing record ids
 * (v2.0 section 31.6: ids are handles, not sequence numbers), BMCs restart numbering after a
 * clear, and some reuse freed ids. The SEL itself is append-only between clears and is
 * read oldest first, so the resume point is the position of the last entry we published,
 * found by its content key, not by its id. When none of the remembered entries is in the
 * SEL any more, the SEL was cleared: everything in it is new, and the clear is an event.
 *
 * Event ids are a hash of (server, entry key): re-reading the same entry after a restart or
 * a lost cursor yields the same id, while a record id reused after a clear (with another
 * timestamp or event) yields a new one.
 */
import { createHash } from 'node:crypto';

/** The fields of a parsed SEL entry the cursor needs (a subset of @ipmi-monitor/ipmi's ParsedSelEntry). */
export interface SelEntryFacts {
  readonly recordNumber: number | null;
  readonly timestampRaw: string | null;
  readonly sensorType: string;
  readonly sensorNumber: number | null;
  readonly event: string;
  readonly direction: string | null;
  readonly eventData: string | null;
}

export interface SelInfo {
  /** Entries the BMC says it holds (Get SEL Info); null when unknown. */
  readonly entries: number | null;
  /** "Last erase" timestamp as printed; a change means the SEL was cleared. */
  readonly lastEraseRaw: string | null;
  /** The BMC dropped entries because the SEL is full. */
  readonly overflow: boolean;
}

export interface SelCursor {
  /** Keys of the newest published entries, oldest first (bounded by TAIL_KEYS). */
  readonly tail: readonly string[];
  readonly lastRecordNumber: number | null;
  readonly entryCount: number | null;
  readonly lastEraseRaw: string | null;
  readonly overflow: boolean;
  /** How many clears were seen; part of nothing but diagnostics. */
  readonly clears: number;
}

export type ClearDetection =
  | 'ENTRY_COUNT_DECREASED'
  | 'RECORD_IDS_RESTARTED'
  | 'ERASE_TIMESTAMP_CHANGED'
  | 'CLEAR_ENTRY_LOGGED';

export interface SelDecision<E extends SelEntryFacts> {
  readonly cursor: SelCursor;
  /** Entries to publish, in SEL order. */
  readonly fresh: readonly E[];
  readonly cleared: {
    readonly detectedBy: ClearDetection;
    readonly previousLastRecordId: number | null;
    readonly previousEntryCount: number | null;
  } | null;
  /** True only on the read where overflow was first seen. */
  readonly overflowStarted: boolean;
}

/** Remembering several keys survives a BMC that deletes single entries (rare, but allowed). */
export const TAIL_KEYS = 8;

export function entryKey(e: SelEntryFacts): string {
  return [
    e.recordNumber ?? '',
    e.timestampRaw ?? '',
    e.sensorType,
    e.sensorNumber ?? '',
    e.event,
    e.direction ?? '',
    e.eventData ?? '',
  ].join('\u001f');
}

export function selEventId(serverId: string, e: SelEntryFacts): string {
  return createHash('sha256')
    .update(serverId)
    .update('\u001e')
    .update(entryKey(e))
    .digest('hex')
    .slice(0, 32);
}

/** Offset 02h of the Event Logging Disabled sensor type (0x10): "Log area reset/cleared". */
export function isClearEntry(e: SelEntryFacts): boolean {
  return /log area reset\/cleared/i.test(e.event);
}

function nextCursor<E extends SelEntryFacts>(
  prev: SelCursor | null,
  entries: readonly E[],
  info: SelInfo | null,
  cleared: boolean,
): SelCursor {
  const last = entries.at(-1);
  return {
    tail: entries.slice(-TAIL_KEYS).map(entryKey),
    lastRecordNumber: last?.recordNumber ?? (cleared ? null : (prev?.lastRecordNumber ?? null)),
    entryCount: info?.entries ?? entries.length,
    lastEraseRaw: info?.lastEraseRaw ?? prev?.lastEraseRaw ?? null,
    overflow: info?.overflow ?? false,
    clears: (prev?.clears ?? 0) + (cleared ? 1 : 0),
  };
}

/**
 * Decides what a SEL read means against the cursor. `entries` is the whole SEL as read,
 * oldest first. A null cursor (a server never read before) publishes the whole SEL: its
 * history is what an operator adding a server wants to see.
 */
export function decideSel<E extends SelEntryFacts>(
  cursor: SelCursor | null,
  entries: readonly E[],
  info: SelInfo | null,
): SelDecision<E> {
  const overflowStarted = (info?.overflow ?? false) && !(cursor?.overflow ?? false);
  if (cursor === null) {
    return {
      cursor: nextCursor(null, entries, info, false),
      fresh: entries,
      cleared: null,
      overflowStarted,
    };
  }
  const keys = entries.map(entryKey);
  // Resume after the newest remembered entry still in the SEL.
  for (let t = cursor.tail.length - 1; t >= 0; t--) {
    const at = keys.lastIndexOf(cursor.tail[t] as string);
    if (at >= 0) {
      return {
        cursor: nextCursor(cursor, entries, info, false),
        fresh: entries.slice(at + 1),
        cleared: null,
        overflowStarted,
      };
    }
  }
  const hadEntries = cursor.tail.length > 0;
  const eraseChanged =
    info?.lastEraseRaw != null &&
    cursor.lastEraseRaw != null &&
    info.lastEraseRaw !== cursor.lastEraseRaw;
  if (!hadEntries && !eraseChanged) {
    // Nothing remembered (the SEL was empty) and no sign of a clear: all of it is new.
    return {
      cursor: nextCursor(cursor, entries, info, false),
      fresh: entries,
      cleared: null,
      overflowStarted,
    };
  }
  const maxRecord = Math.max(-1, ...entries.map((e) => e.recordNumber ?? -1));
  const detectedBy: ClearDetection = entries.some(isClearEntry)
    ? 'CLEAR_ENTRY_LOGGED'
    : eraseChanged
      ? 'ERASE_TIMESTAMP_CHANGED'
      : cursor.lastRecordNumber !== null && maxRecord >= 0 && maxRecord < cursor.lastRecordNumber
        ? 'RECORD_IDS_RESTARTED'
        : 'ENTRY_COUNT_DECREASED';
  return {
    cursor: nextCursor(cursor, entries, info, true),
    fresh: entries,
    cleared: {
      detectedBy,
      previousLastRecordId: cursor.lastRecordNumber,
      previousEntryCount: cursor.entryCount,
    },
    overflowStarted,
  };
}
