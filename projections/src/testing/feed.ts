/**
 * A known event stream for the projection tests and benches: every topic a projection reads,
 * with the awkward parts of a real log (duplicates, late readings sent after newer ones,
 * alerts raised, updated and resolved, a server re-configured and one removed, a silence set
 * and lifted), plus what the tables must hold afterwards. Deterministic: the same options
 * give the same events. Not part of the package's API (excluded from the build).
 */
import {
  sampleEvents,
  type AlertRaised,
  type AlertResolved,
  type AlertUpdated,
  type BmcReachabilityChanged,
  type ChassisPowerObserved,
  type InsightClosed,
  type InsightRaised,
  type InventoryCollected,
  type PollCompleted,
  type SelCleared,
  type SelEntryRecorded,
  type SensorReadingRecorded,
  type ServerConfigured,
  type ServerRemoved,
  type SilenceLifted,
  type SilenceSet,
  type TopicName,
} from '@ipmi-monitor/schemas';

export const FEED_T0 = Date.parse('2026-11-20T00:00:00Z');
const MINUTE = 60_000;

export interface ReadingOptions {
  servers: number;
  sensors: number;
  polls: number;
  /** First poll time (default FEED_T0). */
  from?: number;
  stepMs?: number;
}

export const serverName = (i: number) => `srv-${String(i).padStart(3, '0')}`;
export const sensorName = (j: number) => `Sensor ${j}#0x${(j % 256).toString(16).padStart(2, '0')}`;

/** One reading: value and state are a pure function of (server, sensor, poll). */
export function reading(i: number, j: number, poll: number, at: number): SensorReadingRecorded {
  const value = Math.round((40 + ((i * 7 + j * 13 + poll * 3) % 50) + j / 10) * 10) / 10;
  const state = value >= 85 ? 'CRITICAL' : value >= 80 ? 'WARNING' : 'OK';
  return {
    ...sampleEvents.SensorReadingRecorded,
    eventId: `rd-${serverName(i)}-${poll}-${j}`,
    serverId: serverName(i),
    occurredAt: at,
    observedAt: at + 500,
    pollId: `poll-${serverName(i)}-${poll}`,
    sensorId: sensorName(j),
    sensorName: `Sensor ${j}`,
    sensorNumber: j % 256,
    value: j % 11 === 10 ? null : value,
    state: j % 11 === 10 ? 'UNKNOWN' : state,
    crossedThreshold: state === 'CRITICAL' ? 'UCR' : state === 'WARNING' ? 'UNC' : null,
  };
}

/** Readings of `polls` polls, poll by poll (server by server within a poll). */
export function* readings(o: ReadingOptions): Generator<SensorReadingRecorded> {
  const from = o.from ?? FEED_T0;
  const step = o.stepMs ?? 30_000;
  for (let p = 0; p < o.polls; p++) {
    for (let i = 0; i < o.servers; i++) {
      for (let j = 0; j < o.sensors; j++) yield reading(i, j, p, from + p * step);
    }
  }
}

export interface FeedEvent {
  topic: TopicName;
  type: string;
  value: { serverId: string };
}

export interface Feed {
  events: FeedEvent[];
  expect: {
    /** Distinct readings (server, sensor, time). */
    readings: number;
    /** Readings sent, duplicates included. */
    readingsSent: number;
    sensors: number;
    /** Per sensor key `server\0sensor`: the time of its newest reading. */
    newest: Map<string, number>;
    selEntries: number;
    selLog: number;
    polls: number;
    servers: number;
    alerts: { active: number; resolved: number; history: number };
    insights: { open: number; closed: number };
    silences: { total: number; lifted: number };
  };
}

/**
 * The whole known stream. Readings: `servers` × `sensors` × `polls` readings, in poll order
 * except poll 3, which is sent last, after newer polls (late data); poll 1 is sent twice
 * (duplicates).
 */
export function knownFeed(servers = 6, sensors = 12, polls = 20): Feed {
  const events: FeedEvent[] = [];
  const push = (topic: TopicName, type: string, value: { serverId: string }) =>
    events.push({ topic, type, value });
  const step = 30_000;
  const readingsTopic: TopicName = 'ipmi.readings.v1';
  // Polls 0..polls-1 in order, except poll 3, held back and sent at the very end (late).
  const late = 3;
  let sent = 0;
  for (let p = 0; p < polls; p++) {
    if (p === late) continue;
    for (let i = 0; i < servers; i++) {
      for (let j = 0; j < sensors; j++) {
        push(readingsTopic, 'SensorReadingRecorded', reading(i, j, p, FEED_T0 + p * step));
        sent++;
      }
    }
  }
  // Duplicates: poll 1 of every server again.
  for (let i = 0; i < servers; i++) {
    for (let j = 0; j < sensors; j++) {
      push(readingsTopic, 'SensorReadingRecorded', reading(i, j, 1, FEED_T0 + step));
      sent++;
    }
  }
  for (let i = 0; i < servers; i++) {
    for (let j = 0; j < sensors; j++) {
      push(readingsTopic, 'SensorReadingRecorded', reading(i, j, late, FEED_T0 + late * step));
      sent++;
    }
  }
  const newest = new Map<string, number>();
  for (let i = 0; i < servers; i++) {
    for (let j = 0; j < sensors; j++) {
      newest.set(`${serverName(i)}\u0000${sensorName(j)}`, FEED_T0 + (polls - 1) * step);
    }
  }

  // SEL: 5 entries per server, each sent twice (a re-read SEL), one clear on server 0.
  let selEntries = 0;
  for (let i = 0; i < servers; i++) {
    for (let k = 0; k < 5; k++) {
      const e: SelEntryRecorded = {
        ...sampleEvents.SelEntryRecorded,
        eventId: `sel-${serverName(i)}-${k}`,
        serverId: serverName(i),
        recordId: k + 1,
        occurredAt: FEED_T0 + k * MINUTE,
        observedAt: FEED_T0 + k * MINUTE + 1000,
        description: `entry ${k} of ${serverName(i)}`,
      };
      push('ipmi.sel.v1', 'SelEntryRecorded', e);
      push('ipmi.sel.v1', 'SelEntryRecorded', e);
      selEntries++;
    }
  }
  const cleared: SelCleared = {
    ...sampleEvents.SelCleared,
    eventId: `selclear-${serverName(0)}`,
    serverId: serverName(0),
    occurredAt: FEED_T0 + 10 * MINUTE,
  };
  push('ipmi.sel.v1', 'SelCleared', cleared);

  // Polls: one PollCompleted per server per poll, the BMC of server 1 down then up, power.
  let pollCount = 0;
  for (let p = 0; p < polls; p++) {
    for (let i = 0; i < servers; i++) {
      const pc: PollCompleted = {
        ...sampleEvents.PollCompleted,
        eventId: `pc-${serverName(i)}-${p}`,
        serverId: serverName(i),
        pollId: `poll-${serverName(i)}-${p}`,
        occurredAt: FEED_T0 + p * step + 800,
        startedAt: FEED_T0 + p * step,
      };
      push('ipmi.polls.v1', 'PollCompleted', pc);
      pollCount++;
    }
  }
  const down: BmcReachabilityChanged = {
    ...sampleEvents.BmcReachabilityChanged,
    eventId: `reach-${serverName(1)}-down`,
    serverId: serverName(1),
    reachable: false,
    previousReachable: true,
    reason: 'TIMEOUT',
    occurredAt: FEED_T0 + 2 * MINUTE,
  };
  const up: BmcReachabilityChanged = {
    ...down,
    eventId: `reach-${serverName(1)}-up`,
    reachable: true,
    previousReachable: false,
    reason: null,
    message: null,
    occurredAt: FEED_T0 + 4 * MINUTE,
  };
  push('ipmi.polls.v1', 'BmcReachabilityChanged', down);
  push('ipmi.polls.v1', 'BmcReachabilityChanged', up);
  const power: ChassisPowerObserved = {
    ...sampleEvents.ChassisPowerObserved,
    eventId: `power-${serverName(2)}`,
    serverId: serverName(2),
    occurredAt: FEED_T0 + MINUTE,
  };
  push('ipmi.polls.v1', 'ChassisPowerObserved', power);

  // Inventory: every server, twice (the second is newer).
  for (let i = 0; i < servers; i++) {
    for (const v of [1, 2]) {
      const inv: InventoryCollected = {
        ...sampleEvents.InventoryCollected,
        eventId: `inv-${serverName(i)}-${v}`,
        serverId: serverName(i),
        occurredAt: FEED_T0 + v * MINUTE,
        bmcFirmwareVersion: `1.${v}`,
      };
      push('ipmi.inventory.v1', 'InventoryCollected', inv);
    }
  }

  // Servers: all configured, server 0 changed (revision 2), the last one removed.
  for (let i = 0; i < servers; i++) {
    const sc: ServerConfigured = {
      ...sampleEvents.ServerConfigured,
      eventId: `srv-${serverName(i)}-1`,
      serverId: serverName(i),
      name: `Server ${i}`,
      revision: 1,
      occurredAt: FEED_T0,
    };
    push('ipmi.servers.v1', 'ServerConfigured', sc);
  }
  const renamed: ServerConfigured = {
    ...sampleEvents.ServerConfigured,
    eventId: `srv-${serverName(0)}-2`,
    serverId: serverName(0),
    name: 'Server 0 (renamed)',
    revision: 2,
    occurredAt: FEED_T0 + MINUTE,
  };
  push('ipmi.servers.v1', 'ServerConfigured', renamed);
  const removed: ServerRemoved = {
    ...sampleEvents.ServerRemoved,
    eventId: `srv-${serverName(servers - 1)}-removed`,
    serverId: serverName(servers - 1),
    revision: 2,
    occurredAt: FEED_T0 + 2 * MINUTE,
  };
  push('ipmi.servers.v1', 'ServerRemoved', removed);

  // Alerts: per server one alert raised, updated and (on even servers) resolved; every
  // raise sent twice.
  let active = 0;
  let resolved = 0;
  let history = 0;
  for (let i = 0; i < servers; i++) {
    const alertId = `alert-${serverName(i)}`;
    const raised: AlertRaised = {
      ...sampleEvents.AlertRaised,
      eventId: `${alertId}:1`,
      alertId,
      serverId: serverName(i),
      revision: 1,
      occurredAt: FEED_T0 + MINUTE,
      firstSeenAt: FEED_T0 + MINUTE,
      lastSeenAt: FEED_T0 + MINUTE,
    };
    const updated: AlertUpdated = {
      ...sampleEvents.AlertUpdated,
      eventId: `${alertId}:2`,
      alertId,
      serverId: serverName(i),
      revision: 2,
      occurredAt: FEED_T0 + 2 * MINUTE,
      firstSeenAt: FEED_T0 + MINUTE,
      lastSeenAt: FEED_T0 + 2 * MINUTE,
    };
    push('ipmi.alerts.v1', 'AlertRaised', raised);
    push('ipmi.alerts.v1', 'AlertRaised', raised);
    push('ipmi.alerts.v1', 'AlertUpdated', updated);
    history += 2;
    if (i % 2 === 0) {
      const res: AlertResolved = {
        ...sampleEvents.AlertResolved,
        eventId: `${alertId}:3`,
        alertId,
        serverId: serverName(i),
        revision: 3,
        occurredAt: FEED_T0 + 3 * MINUTE,
        firstSeenAt: FEED_T0 + MINUTE,
        lastSeenAt: FEED_T0 + 3 * MINUTE,
      };
      push('ipmi.alerts.v1', 'AlertResolved', res);
      history++;
      resolved++;
    } else {
      active++;
    }
  }

  // Insights: server 0 raised then closed, server 1 raised.
  for (const i of [0, 1]) {
    const insightId = `insight-${serverName(i)}`;
    const raised: InsightRaised = {
      ...sampleEvents.InsightRaised,
      eventId: `${insightId}:1`,
      insightId,
      serverId: serverName(i),
      revision: 1,
      occurredAt: FEED_T0 + MINUTE,
    };
    push('ipmi.insights.v1', 'InsightRaised', raised);
  }
  const closed: InsightClosed = {
    ...sampleEvents.InsightClosed,
    eventId: `insight-${serverName(0)}:2`,
    insightId: `insight-${serverName(0)}`,
    serverId: serverName(0),
    revision: 2,
    occurredAt: FEED_T0 + 5 * MINUTE,
  };
  push('ipmi.insights.v1', 'InsightClosed', closed);

  // Silences: one over servers 0 and 1, lifted on server 0 only.
  for (const i of [0, 1]) {
    const set: SilenceSet = {
      ...sampleEvents.SilenceSet,
      eventId: `silence-1-${serverName(i)}`,
      silenceId: 'silence-1',
      serverId: serverName(i),
    };
    push('ipmi.silences.v1', 'SilenceSet', set);
  }
  const lifted: SilenceLifted = {
    ...sampleEvents.SilenceLifted,
    eventId: `silence-1-${serverName(0)}-lifted`,
    silenceId: 'silence-1',
    serverId: serverName(0),
  };
  push('ipmi.silences.v1', 'SilenceLifted', lifted);

  return {
    events,
    expect: {
      readings: servers * sensors * polls,
      readingsSent: sent,
      sensors: servers * sensors,
      newest,
      selEntries,
      selLog: 1,
      polls: pollCount,
      servers: servers - 1,
      alerts: { active, resolved, history },
      insights: { open: 1, closed: 1 },
      silences: { total: 2, lifted: 1 },
    },
  };
}

/** Groups feed events per topic, in feed order (the order they must be produced). */
export function byTopic(events: readonly FeedEvent[]): Map<TopicName, FeedEvent[]> {
  const out = new Map<TopicName, FeedEvent[]>();
  for (const e of events) {
    const list = out.get(e.topic) ?? [];
    list.push(e);
    out.set(e.topic, list);
  }
  return out;
}
