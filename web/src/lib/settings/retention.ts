/**
 * How long the database keeps each kind of data: the defaults the migrations install
 * (db/src/retention.ts, DEFAULT_RETENTION) and the projections service's variables that
 * change them (projections/src/service/config.ts). The API has no route for the values in
 * force, so the settings page shows these.
 */
export interface RetentionRow {
  what: string;
  table: string;
  env: string;
  default: string;
  note: string;
}

export const RETENTION: readonly RetentionRow[] = [
  {
    what: 'Raw readings',
    table: 'readings',
    env: 'IPMI_READINGS_RETENTION',
    default: '7 days',
    note: 'Every sensor reading as polled. The aggregates are refreshed inside this window.',
  },
  {
    what: 'Per-minute aggregate',
    table: 'readings_1m',
    env: 'IPMI_READINGS_1M_RETENTION',
    default: '30 days',
    note: 'Min, average, max and last per sensor and minute: the charts of the last weeks.',
  },
  {
    what: 'Hourly aggregate',
    table: 'readings_1h',
    env: 'IPMI_READINGS_1H_RETENTION',
    default: '400 days',
    note: 'The same per hour: more than a year of trends.',
  },
  {
    what: 'Poll outcomes',
    table: 'poll_outcomes',
    env: 'IPMI_POLL_OUTCOMES_RETENTION',
    default: '7 days',
    note: 'Whether each poll of each BMC worked, and why not.',
  },
];
