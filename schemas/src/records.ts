import { schemaSources, type RecordName } from './generated/types.js';
import { NAMESPACE, topics, type TopicName, type TopicOf } from './topics.js';

const recordTopics = new Map<string, TopicName>();
for (const [topic, spec] of Object.entries(topics) as [TopicName, (typeof topics)[TopicName]][]) {
  for (const record of spec.records) recordTopics.set(record, topic);
}

export function isRecordName(name: string): name is RecordName {
  return Object.hasOwn(schemaSources, name);
}

/** The topic that carries a record type. */
export function topicForRecord<R extends RecordName>(recordName: R): TopicOf<R> {
  const topic = recordTopics.get(recordName);
  // Unreachable while the unit tests pass: they check every record sits on exactly one topic.
  if (topic === undefined) throw new Error(`record ${recordName} is on no topic`);
  return topic as TopicOf<R>;
}

/**
 * Which of our record types a schema is, or undefined when it is none of ours (another
 * namespace, an unknown name): the caller decides, e.g. a consumer sends the message to the DLQ.
 *
 * Accepts what the tools hand out: an avsc `Type` (its `name` is fully qualified), a parsed
 * schema object (`name` plus optional `namespace`), a schema JSON string as returned by the
 * registry, or a name (`SelCleared` or `io.ipmimonitor.v1.SelCleared`).
 */
export function recordNameOf(
  schema: string | { readonly name?: string | undefined; readonly namespace?: string | undefined },
): RecordName | undefined {
  let name: string | undefined;
  let namespace: string | undefined;
  if (typeof schema === 'string') {
    if (schema.trimStart().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(schema);
      } catch {
        return undefined;
      }
      if (typeof parsed !== 'object' || parsed === null) return undefined;
      const { name: n, namespace: ns } = parsed as Record<string, unknown>;
      name = typeof n === 'string' ? n : undefined;
      namespace = typeof ns === 'string' ? ns : undefined;
    } else {
      name = schema;
    }
  } else {
    name = schema.name;
    namespace = schema.namespace;
  }
  if (name === undefined) return undefined;
  const dot = name.lastIndexOf('.');
  // A dotted name is fully qualified and its namespace wins over a `namespace` attribute.
  if (dot >= 0) {
    namespace = name.slice(0, dot);
    name = name.slice(dot + 1);
  }
  if (namespace !== undefined && namespace !== NAMESPACE) return undefined;
  return isRecordName(name) ? name : undefined;
}
