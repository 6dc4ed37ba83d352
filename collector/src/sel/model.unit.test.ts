import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decideSel,
  entryKey,
  selEventId,
  type SelCursor,
  type SelDecision,
  type SelEntryFacts,
  type SelInfo,
} from './model.js';

let clock = 0;
function entry(
  recordNumber: number,
  event = 'Upper Critical going high',
  ts?: string,
): SelEntryFacts {
  return {
    recordNumber,
    timestampRaw: ts ?? `11/28/26 14:${String(clock++ % 60).padStart(2, '0')}:00`,
    sensorType: 'temperature',
    sensorNumber: 1,
    event,
    direction: 'asserted',
    eventData: null,
  };
}
const info = (entries: number, extra: Partial<SelInfo> = {}): SelInfo => ({
  entries,
  lastEraseRaw: null,
  overflow: false,
  ...extra,
});

/** Feeds successive reads through the model and returns what was published each time. */
function run(reads: { entries: SelEntryFacts[]; info?: SelInfo }[]) {
  let cursor: SelCursor | null = null;
  return reads.map((r) => {
    const d = decideSel(cursor, r.entries, r.info ?? null);
    cursor = d.cursor;
    return d;
  });
}

test('first read publishes the whole SEL; re-reads publish only what was appended', () => {
  const [a, b, c] = [entry(1), entry(2), entry(3)];
  const [first, same, more] = run([
    { entries: [a, b] },
    { entries: [a, b] },
    { entries: [a, b, c] },
  ]);
  assert.deepEqual(first?.fresh, [a, b]);
  assert.deepEqual(same?.fresh, []);
  assert.deepEqual(more?.fresh, [c]);
  assert.equal(more?.cleared, null);
});

test('a clear followed by new entries with restarted record ids keeps collecting', () => {
  const old = [entry(1), entry(2), entry(3)];
  const after = [entry(1, 'Log area reset/cleared'), entry(2, 'Lower Critical going low')];
  const [, cleared, next] = run([
    { entries: old },
    { entries: after },
    { entries: [...after, entry(3, 'Presence detected')] },
  ]);
  assert.deepEqual(cleared?.fresh, after, 'entries after the clear are new even with reused ids');
  assert.equal(cleared?.cleared?.detectedBy, 'CLEAR_ENTRY_LOGGED');
  assert.equal(cleared?.cleared?.previousLastRecordId, 3);
  assert.equal(next?.fresh.length, 1);
  assert.equal(next?.cleared, null);
});

test('clear detection: ids restarting, count dropping to empty, erase time changing', () => {
  const restarted = run([{ entries: [entry(10), entry(11)] }, { entries: [entry(1)] }])[1];
  assert.equal(restarted?.cleared?.detectedBy, 'RECORD_IDS_RESTARTED');
  const emptied = run([{ entries: [entry(1)] }, { entries: [] }, { entries: [] }]);
  assert.equal(emptied[1]?.cleared?.detectedBy, 'ENTRY_COUNT_DECREASED');
  assert.equal(emptied[2]?.cleared, null, 'one clear is reported once');
  const erased = run([
    { entries: [], info: info(0, { lastEraseRaw: '11/28/26 10:00:00' }) },
    { entries: [entry(1)], info: info(1, { lastEraseRaw: '11/28/26 12:00:00' }) },
  ])[1];
  assert.equal(erased?.cleared?.detectedBy, 'ERASE_TIMESTAMP_CHANGED');
  assert.equal(erased?.fresh.length, 1);
});

test('a record id reused after a clear gets a new event id; a re-read entry keeps its own', () => {
  const before = entry(5, 'Correctable ECC', '11/28/26 10:00:00');
  const reused = entry(5, 'Correctable ECC', '11/28/26 11:00:00');
  assert.notEqual(selEventId('srv-1', before), selEventId('srv-1', reused));
  assert.equal(selEventId('srv-1', before), selEventId('srv-1', { ...before }));
  assert.notEqual(selEventId('srv-1', before), selEventId('srv-2', before));
});

test('overflow is reported once when it starts', () => {
  const e = [entry(1)];
  const [a, b, c, d] = run([
    { entries: e, info: info(1) },
    { entries: e, info: info(1, { overflow: true }) },
    { entries: e, info: info(1, { overflow: true }) },
    { entries: e, info: info(1) },
  ]);
  assert.deepEqual(
    [a, b, c, d].map((x) => x?.overflowStarted),
    [false, true, false, false],
  );
});

test('property: across appends and clears, every entry is published exactly once', () => {
  // A model BMC: a list of actions (append n entries | clear) applied to a SEL that
  // numbers records from 1 after each clear. Reads happen after every action.
  const action = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('clear' as const) }),
  );
  fc.assert(
    fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
      let sel: SelEntryFacts[] = [];
      let nextId = 1;
      let seq = 0;
      let cursor: SelCursor | null = null;
      const appended: string[] = [];
      const published: string[] = [];
      for (const a of actions) {
        if (a.kind === 'clear') {
          sel = [];
          nextId = 1;
        } else {
          for (let i = 0; i < a.n; i++) {
            // Unique timestamps per entry, as a BMC clock gives (seconds advance).
            const e = entry(nextId++, 'Upper Critical going high', `t${seq++}`);
            sel.push(e);
            appended.push(entryKey(e));
          }
        }
        const d: SelDecision<SelEntryFacts> = decideSel(cursor, sel, null);
        cursor = d.cursor;
        published.push(...d.fresh.map(entryKey));
      }
      assert.deepEqual(published, appended);
    }),
    { numRuns: 500 },
  );
});
