import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import avsc from 'avsc';
import { sampleEvents } from './fixtures.js';
import { recordNames, schemaSources } from './generated/types.js';
import { isRecordName, recordNameOf, topicForRecord } from './records.js';
import {
  DEFAULT_PARTITIONS,
  dlqTopicFor,
  NAMESPACE,
  subjectFor,
  topicNames,
  topics,
  type EventOf,
  type TopicOf,
} from './topics.js';

describe('topic map', () => {
  test('every record in the map has a schema, and every schema is on exactly one topic', () => {
    const placed = topicNames.flatMap((t) => topics[t].records.map((r) => [r, t] as const));
    const names = placed.map(([r]) => r);
    assert.equal(new Set(names).size, names.length, 'a record type is on two topics');
    assert.deepEqual([...names].sort(), Object.keys(schemaSources).sort());
    assert.deepEqual([...names].sort(), [...recordNames].sort());
  });

  test('topic names are ipmi.<name>.v1 and keyed by serverId', () => {
    for (const name of topicNames) {
      assert.match(name, /^ipmi\.[a-z]+\.v1$/);
      assert.equal(topics[name].key, 'serverId');
      assert.ok(topics[name].doc.length > 0);
    }
  });

  test('all topics share one partition count, so a server maps to the same partition everywhere', () => {
    for (const name of topicNames) assert.equal(topics[name].partitions, DEFAULT_PARTITIONS);
  });

  test('compacted topics leave retention to compaction; delete topics set one', () => {
    for (const name of topicNames) {
      const spec = topics[name];
      if (spec.cleanupPolicy === 'compact') assert.equal(spec.retentionMs, null, name);
      else assert.ok(spec.retentionMs !== null && spec.retentionMs > 0, name);
    }
    assert.equal(topics['ipmi.servers.v1'].cleanupPolicy, 'compact');
    assert.equal(topics['ipmi.inventory.v1'].cleanupPolicy, 'compact');
  });

  test('subjects follow TopicRecordNameStrategy, DLQs are <topic>.dlq', () => {
    assert.equal(
      subjectFor('ipmi.sel.v1', 'SelCleared'),
      'ipmi.sel.v1-io.ipmimonitor.v1.SelCleared',
    );
    assert.equal(
      subjectFor('test-1234.ipmi.sel.v1', 'SelCleared'),
      'test-1234.ipmi.sel.v1-io.ipmimonitor.v1.SelCleared',
    );
    assert.equal(dlqTopicFor('ipmi.readings.v1'), 'ipmi.readings.v1.dlq');
  });

  test('topicForRecord finds the one topic of every record', () => {
    for (const name of topicNames) {
      for (const record of topics[name].records) assert.equal(topicForRecord(record), name);
    }
    const t: TopicOf<'AlertResolved'> = topicForRecord('AlertResolved');
    assert.equal(t, 'ipmi.alerts.v1');
  });

  test('EventOf is the union of the records a topic carries (checked by tsc)', () => {
    const ok: EventOf<'ipmi.sel.v1'>[] = [
      { type: 'SelEntryRecorded', value: sampleEvents.SelEntryRecorded },
      { type: 'SelCleared', value: sampleEvents.SelCleared },
      { type: 'SelOverflowDetected', value: sampleEvents.SelOverflowDetected },
    ];
    const sel = (e: EventOf<'ipmi.sel.v1'>) => e.type;
    // @ts-expect-error AlertRaised is not carried by ipmi.sel.v1
    sel({ type: 'AlertRaised', value: sampleEvents.AlertRaised });
    // @ts-expect-error the value must match the type tag
    sel({ type: 'SelCleared', value: sampleEvents.SelEntryRecorded });
    assert.equal(ok.length, 3);
  });
});

describe('recordNameOf', () => {
  test('accepts short and fully qualified names', () => {
    assert.equal(recordNameOf('SelCleared'), 'SelCleared');
    assert.equal(recordNameOf(`${NAMESPACE}.SelCleared`), 'SelCleared');
  });

  test('accepts parsed schemas, schema JSON text and avsc types', () => {
    for (const name of recordNames) {
      const schema = schemaSources[name];
      assert.equal(recordNameOf(schema), name);
      assert.equal(recordNameOf(JSON.stringify(schema)), name);
      assert.equal(
        recordNameOf(avsc.Type.forSchema(schema as avsc.Schema, { registry: {} })),
        name,
      );
    }
  });

  test('returns undefined for anything that is not one of our records', () => {
    assert.equal(recordNameOf('NoSuchRecord'), undefined);
    assert.equal(recordNameOf('io.other.v1.SelCleared'), undefined);
    assert.equal(recordNameOf(`io.ipmimonitor.v2.SelCleared`), undefined);
    assert.equal(recordNameOf({ name: 'SelCleared', namespace: 'io.other.v1' }), undefined);
    assert.equal(recordNameOf({ name: 'SensorThresholds', namespace: NAMESPACE }), undefined);
    assert.equal(recordNameOf({}), undefined);
    assert.equal(recordNameOf('{not json'), undefined);
    assert.equal(recordNameOf('toString'), undefined);
    assert.equal(recordNameOf(avsc.Type.forSchema('string')), undefined);
  });

  test('isRecordName narrows', () => {
    assert.ok(isRecordName('AlertRaised'));
    assert.ok(!isRecordName('constructor'));
  });
});
