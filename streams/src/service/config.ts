/**
 * The stream processor's variables. Declarative: docs/configuration.md is generated from
 * this spec.
 */
import { defineConfig, type ConfigOf } from '@ipmi-monitor/runtime';

export const streamsConfig = defineConfig({
  instanceId: {
    env: 'IPMI_STREAMS_ID',
    type: 'string',
    default: null,
    doc: 'Names this stream processor instance in logs and in the `source` of its events. Instances of one deployment share the consumer group and split the partitions. Unset: the host name and process id.',
  },
  groupId: {
    env: 'IPMI_STREAMS_GROUP',
    type: 'string',
    default: 'streams',
    doc: 'Consumer group of the stream processors, and the prefix of their transactional ids. Change it only to run a second, independent pipeline on the same topics.',
  },
  sessionTimeoutMs: {
    env: 'IPMI_STREAMS_SESSION_TIMEOUT_MS',
    type: 'int',
    default: 10_000,
    min: 1000,
    doc: 'How long a crashed instance keeps its partitions before the group hands them to the others (Kafka group session timeout; the broker bounds it by group.min.session.timeout.ms).',
  },
  alertTuning: {
    env: 'IPMI_ALERT_TUNING',
    type: 'string',
    default: null,
    doc: 'Advanced: JSON object overriding alert lifecycle settings (`clearAfter`, `updateEveryMs`, `flapCount`, `flapWindowMs`, `flapHoldMs`; docs in streams/src/alerts/model.ts). Changing them changes future decisions only.',
  },
  insightTuning: {
    env: 'IPMI_INSIGHT_TUNING',
    type: 'string',
    default: null,
    doc: 'Advanced: JSON object overriding trend and maintenance rule settings (`bucketMs`, `baselineBuckets`, `fanDropPercent`, `eccCount`, `eccWindowMs`, ...; the list and defaults are in streams/src/insights/model.ts). Tests use it to run the day-scale rules on a seconds scale.',
  },
  httpPort: {
    env: 'HTTP_PORT',
    type: 'int',
    default: 9102,
    min: 0,
    doc: 'Port of the `/metrics` and `/health` endpoint; 0 turns it off.',
  },
  httpHost: {
    env: 'HTTP_HOST',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the `/metrics` endpoint binds to.',
  },
});

export type StreamsConfig = ConfigOf<typeof streamsConfig>;
