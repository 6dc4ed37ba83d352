import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sampleEvents } from '@ipmi-monitor/schemas';
import {
  ALERT_COLUMNS,
  alertHistoryRow,
  alertRow,
  foldRevisions,
  latestBy,
  latestReadings,
  READING_COLUMNS,
  readingRow,
  SENSOR_COLUMNS,
  sensorRow,
  selLogRow,
  type AlertEvent,
} from './rows.js';
import { insertStatements, MAX_PARAMS, updateSet, valuesList } from './sql.js';

const col = (cols: readonly string[], row: unknown[], name: string) => row[cols.indexOf(name)];

describe('rows', () => {
  test('a reading row is (time, server, sensor, value, state), time as ISO text', () => {
    const e = sampleEvents.SensorReadingRecorded;
    assert.deepEqual(readingRow(e), [
      new Date(e.occurredAt).toISOString(),
      e.serverId,
      e.sensorId,
      91,
      'CRITICAL',
    ]);
    assert.equal(READING_COLUMNS.length, readingRow(e).length);
  });

  test('a sensor row carries thresholds as columns and discrete states as JSON', () => {
    const row = sensorRow(sampleEvents.SensorReadingRecorded);
    assert.equal(row.length, SENSOR_COLUMNS.length);
    assert.equal(col(SENSOR_COLUMNS, row, 'ucr'), 90);
    assert.equal(col(SENSOR_COLUMNS, row, 'lnr'), null);
    assert.equal(col(SENSOR_COLUMNS, row, 'discrete_states'), '[]');
  });

  test('latestReadings keeps the newest reading per sensor, whatever the order', () => {
    const e = sampleEvents.SensorReadingRecorded;
    const old = { ...e, occurredAt: e.occurredAt - 60_000, eventId: 'old' };
    const other = { ...e, sensorId: 'other', eventId: 'other' };
    assert.deepEqual(
      latestReadings([e, old, other])
        .map((x) => x.eventId)
        .sort(),
      [e.eventId, 'other'].sort(),
    );
  });

  test('latestBy: ties go to the later item', () => {
    const got = latestBy(
      [
        { k: 'a', v: 1 },
        { k: 'a', v: 2 },
      ],
      (x) => x.k,
      () => true,
    );
    assert.deepEqual(got, [{ k: 'a', v: 2 }]);
  });

  test('foldRevisions: the highest revision per alert, and its earliest time in the batch', () => {
    const raised: AlertEvent = {
      type: 'AlertRaised',
      value: { ...sampleEvents.AlertRaised, revision: 1, occurredAt: 1000 },
    };
    const resolved: AlertEvent = {
      type: 'AlertResolved',
      value: { ...sampleEvents.AlertResolved, revision: 3, occurredAt: 3000 },
    };
    const folded = foldRevisions([resolved, raised], (e) => e.value.alertId);
    assert.equal(folded.length, 1);
    assert.equal(folded[0]?.event, resolved);
    assert.equal(folded[0]?.earliest, 1000);
    const row = alertRow(resolved, 1000);
    assert.equal(col(ALERT_COLUMNS, row, 'status'), 'RESOLVED');
    assert.equal(col(ALERT_COLUMNS, row, 'raised_at'), new Date(1000).toISOString());
    assert.equal(col(ALERT_COLUMNS, row, 'resolved_at'), new Date(3000).toISOString());
    assert.equal(col(ALERT_COLUMNS, alertRow(raised, 1000), 'status'), 'ACTIVE');
    assert.equal(alertHistoryRow(raised)[3], 'RAISED');
  });

  test('SEL life events keep everything but the envelope as their detail', () => {
    const row = selLogRow('SelCleared', sampleEvents.SelCleared);
    const detail = JSON.parse(row[4] as string) as Record<string, unknown>;
    assert.equal(detail.eventId, undefined);
    assert.equal(detail.source, undefined);
    assert.equal(detail.detectedBy, sampleEvents.SelCleared.detectedBy);
  });
});

describe('sql', () => {
  test('valuesList numbers the parameters row by row', () => {
    assert.equal(valuesList(2, 3), '($1, $2, $3), ($4, $5, $6)');
  });

  test('updateSet skips the key columns and the excepted ones', () => {
    assert.equal(updateSet(['id', 'a', 'b', 'c'], 1, ['b']), 'a = EXCLUDED.a, c = EXCLUDED.c');
  });

  test('insertStatements chunks under the parameter limit and keeps every value in order', () => {
    const columns = ['a', 'b', 'c', 'd'];
    const rows = Array.from({ length: 10_000 }, (_, i) => [i, i + 1, i + 2, i + 3]);
    const statements = insertStatements('t', columns, rows, 'ON CONFLICT DO NOTHING');
    assert.ok(statements.length > 1);
    for (const s of statements) assert.ok(s.params.length <= MAX_PARAMS);
    assert.deepEqual(
      statements.flatMap((s) => s.params),
      rows.flat(),
    );
    assert.match(
      statements[0]?.sql ?? '',
      /^INSERT INTO t \(a, b, c, d\) VALUES \(\$1, .* ON CONFLICT DO NOTHING$/,
    );
    assert.deepEqual(insertStatements('t', columns, [], ''), []);
  });
});
