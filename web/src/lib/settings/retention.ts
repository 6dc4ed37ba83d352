/**
 * How long the database keeps each kind of data: what each table holds and the defaults the
 * migrations install (db/src/retention.ts, DEFAULT_RETENTION). The values in force come from
 * the API (`GET /api/v1/retention`, read from the database's own policies).
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

/** One row of `GET /api/v1/retention`. */
export interface RetentionInForce {
  key: string;
  table: string;
  dropAfter: string | null;
  dropAfterSeconds: number | null;
  variable: string;
}

/** "7 days", "36 hours", "90 minutes", "1 day"; "not dropped" without a policy. Pure. */
export function humanInterval(seconds: number | null): string {
  if (seconds === null) return 'not dropped';
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
