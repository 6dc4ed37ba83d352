/** Shapes of the events, alerts, silences and insights lists (api/src/routes/{events,alerts,insights}.ts). */

export interface SelEvent {
  eventId: string;
  serverId: string;
  time: string;
  observedAt: string;
  recordId: number;
  timestampBasis: string;
  bmcTimestampRaw: string | null;
  sensorType: string;
  sensorNumber: number | null;
  sensorName: string | null;
  sensorId: string | null;
  direction: string;
  eventOffset: number | null;
  eventData: string | null;
  description: string | null;
  severity: string | null;
  /** The tool's own line for the entry; null when the collector kept none. */
  rawLine: string | null;
}

export interface Acknowledgement {
  by: string;
  at: string;
  comment: string;
}

export interface Alert {
  alertId: string;
  serverId: string;
  status: 'ACTIVE' | 'RESOLVED' | string;
  severity: string;
  condition: string;
  summary: string;
  componentType: string;
  component: string;
  sensorId: string | null;
  value: number | null;
  threshold: number | null;
  unit: string | null;
  occurrences: number;
  raisedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  resolutionReason: string | null;
  silencedBy: string | null;
  revision: number;
  acknowledged: Acknowledgement | null;
}

export interface Silence {
  silenceId: string;
  serverIds: string[];
  componentType: string | null;
  component: string | null;
  condition: string | null;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface InsightAction {
  action: string;
  by: string;
  at: string;
  comment: string;
}

export interface Insight {
  insightId: string;
  serverId: string;
  status: 'OPEN' | 'CLOSED' | string;
  kind: string;
  priority: string;
  detector: string;
  title: string;
  summary: string;
  componentType: string;
  component: string;
  sensorId: string | null;
  confidence: number | null;
  dueAt: string | null;
  evidence: unknown[];
  metrics: Record<string, unknown>;
  raisedAt: string;
  updatedAt: string;
  closedAt: string | null;
  closeReason: string | null;
  action: InsightAction | null;
}

/** What a list page needs of a server: its id and name (for links and the server filter). */
export interface ServerRef {
  serverId: string;
  name: string;
}

/** A load's failure, shown in the page (the filters stay usable) instead of an error page. */
export interface LoadProblem {
  message: string;
  code: string;
}
