/**
 * The projections service's variables (besides the database's, in @ipmi-monitor/db).
 * Declarative: docs/configuration.md is generated from this spec.
 */
import { defineConfig, type ConfigOf } from '@ipmi-monitor/runtime';

export const projectionsConfig = defineConfig({
  groupId: {
    env: 'IPMI_PROJECTIONS_GROUP',
    type: 'string',
    default: 'projections',
    doc: 'Consumer group of the projections (partition assignment and the lag gauge; the positions themselves are stored in the database, table projection_offsets).',
  },
  bulk: {
    env: 'IPMI_PROJECTIONS_BULK',
    type: 'string',
    default: 'copy',
    doc: 'How readings are written: `copy` (COPY into a staging table, then one INSERT; fastest) or `insert` (one INSERT from arrays), for a connection that cannot COPY, like the embedded database served on its socket.',
  },
  readingsRetention: {
    env: 'IPMI_READINGS_RETENTION',
    type: 'string',
    default: '7 days',
    doc: 'How long raw readings are kept (a Postgres interval: `7 days`, `36 hours`). Raise `ipmi.readings.v1` retention with it if rebuilds must restore all of it. The aggregates refresh inside this window.',
  },
  minuteRetention: {
    env: 'IPMI_READINGS_1M_RETENTION',
    type: 'string',
    default: '30 days',
    doc: 'How long the per-minute aggregate (readings_1m) is kept.',
  },
  hourRetention: {
    env: 'IPMI_READINGS_1H_RETENTION',
    type: 'string',
    default: '400 days',
    doc: 'How long the hourly aggregate (readings_1h) is kept.',
  },
  pollRetention: {
    env: 'IPMI_POLL_OUTCOMES_RETENTION',
    type: 'string',
    default: '7 days',
    doc: 'How long the history of poll outcomes (poll_outcomes) is kept.',
  },
  jobIntervalMs: {
    env: 'IPMI_JOB_RUNNER_INTERVAL_MS',
    type: 'int',
    default: 60_000,
    min: 100,
    doc: 'Embedded database only: how often the job runner looks for due policy jobs (aggregate refresh, compression, retention), which run by their own schedules.',
  },
  httpPort: {
    env: 'HTTP_PORT',
    type: 'int',
    default: 9103,
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

export type ProjectionsConfig = ConfigOf<typeof projectionsConfig>;
