/**
 * The input of the streams bench: what the collector publishes for a fleet polled every 30 s,
 * generated (seeded, so every rep of a run gets the same events) rather than polled from
 * simulators, so the stream processor is the only thing measured.
 *
 * Per server and round: 25 SensorReadingRecorded (temperatures, fans, voltages, power, power
 * supply and intrusion states) and a PollCompleted SENSORS; every second round a SEL poll
 * (PollCompleted SEL) that sometimes brings SEL entries. Now and then a sensor crosses a
 * threshold for a few rounds (WARNING, CRITICAL, or WARNING escalating to CRITICAL) and
 * recovers; a SEL entry is an assertion with its deassertion some rounds later (correctable
 * ECC, PSU AC lost, processor IERR) or informational (no alert); a BMC goes unreachable for a
 * few rounds (BmcReachabilityChanged both ways, failed polls, no readings meanwhile). Every
 * server has a ServerConfigured first.
 */
import {
  sampleEvents,
  type EventOf,
  type SelEntryRecorded,
  type SensorReadingRecorded,
  type SensorThresholds,
  type SensorType,
  type ThresholdName,
} from '@ipmi-monitor/schemas';
import type { TypedProducer } from '@ipmi-monitor/runtime';
import { seededRandom } from '@ipmi-monitor/collector';

/** Event time of round 0; rounds are 30 s apart. */
export const FEED_T0 = Date.parse('2026-01-01T00:00:00Z');
export const ROUND_MS = 30_000;
const HOUR = 3_600_000;

interface ThresholdSensor {
  readonly kind: 'THRESHOLD';
  readonly name: string;
  readonly type: SensorType;
  readonly unit: string;
  readonly ok: readonly [number, number];
  readonly thresholds: SensorThresholds;
  readonly warning: readonly [number, ThresholdName];
  readonly critical: readonly [number, ThresholdName];
}
interface DiscreteSensor {
  readonly kind: 'DISCRETE';
  readonly name: string;
  readonly type: SensorType;
  readonly ok: readonly string[];
  readonly bad: readonly string[];
  readonly severity: 'WARNING' | 'CRITICAL';
}
type SensorDef = ThresholdSensor | DiscreteSensor;

const TEMP: SensorThresholds = { lnr: null, lcr: 5, lnc: 10, unc: 80, ucr: 90, unr: 95 };
const FAN: SensorThresholds = { lnr: 200, lcr: 400, lnc: 600, unc: null, ucr: null, unr: null };
const temp = (name: string, lo: number, hi: number): ThresholdSensor => ({
  kind: 'THRESHOLD',
  name,
  type: 'TEMPERATURE',
  unit: 'C',
  ok: [lo, hi],
  thresholds: TEMP,
  warning: [84, 'UNC'],
  critical: [92, 'UCR'],
});
const fan = (name: string): ThresholdSensor => ({
  kind: 'THRESHOLD',
  name,
  type: 'FAN',
  unit: 'RPM',
  ok: [5200, 9400],
  thresholds: FAN,
  warning: [560, 'LNC'],
  critical: [360, 'LCR'],
});
const volt = (name: string, nominal: number): ThresholdSensor => ({
  kind: 'THRESHOLD',
  name,
  type: 'VOLTAGE',
  unit: 'V',
  ok: [nominal * 0.98, nominal * 1.02],
  thresholds: {
    lnr: nominal * 0.85,
    lcr: nominal * 0.9,
    lnc: nominal * 0.93,
    unc: nominal * 1.07,
    ucr: nominal * 1.1,
    unr: nominal * 1.15,
  },
  warning: [nominal * 1.08, 'UNC'],
  critical: [nominal * 1.11, 'UCR'],
});

/** 25 sensors, the size of a typical 1U server's SDR after FreeIPMI's filtering. */
const SENSORS: readonly SensorDef[] = [
  temp('CPU1 Temp', 38, 62),
  temp('CPU2 Temp', 38, 62),
  temp('Inlet Temp', 19, 27),
  temp('Exhaust Temp', 30, 45),
  temp('PCH Temp', 40, 55),
  temp('DIMMA1 Temp', 30, 42),
  temp('DIMMB1 Temp', 30, 42),
  temp('VRM Temp', 35, 55),
  fan('FAN1'),
  fan('FAN2'),
  fan('FAN3'),
  fan('FAN4'),
  fan('FAN5'),
  fan('FAN6'),
  volt('12V', 12),
  volt('5VCC', 5),
  volt('3.3VCC', 3.3),
  volt('VBAT', 3.1),
  volt('CPU1 Vcore', 1.8),
  volt('CPU2 Vcore', 1.8),
  volt('VDIMM', 1.2),
  {
    kind: 'THRESHOLD',
    name: 'System Power',
    type: 'POWER',
    unit: 'W',
    ok: [180, 420],
    thresholds: { lnr: null, lcr: null, lnc: null, unc: 700, ucr: 800, unr: null },
    warning: [720, 'UNC'],
    critical: [830, 'UCR'],
  },
  {
    kind: 'DISCRETE',
    name: 'PS1 Status',
    type: 'POWER_SUPPLY',
    ok: ['Presence detected'],
    bad: ['Presence detected', 'Power Supply AC lost'],
    severity: 'CRITICAL',
  },
  {
    kind: 'DISCRETE',
    name: 'PS2 Status',
    type: 'POWER_SUPPLY',
    ok: ['Presence detected'],
    bad: ['Presence detected', 'Failure detected'],
    severity: 'CRITICAL',
  },
  {
    kind: 'DISCRETE',
    name: 'Chassis Intru',
    type: 'PHYSICAL_SECURITY',
    ok: [],
    bad: ['General Chassis Intrusion'],
    severity: 'WARNING',
  },
];
export const SENSORS_PER_SERVER = SENSORS.length;

/** A SEL assertion the feed sends, and what deasserts it. */
interface SelKind {
  readonly weight: number;
  readonly sensorType: SensorType;
  readonly sensorName: string;
  readonly sensorNumber: number;
  readonly offset: number;
  readonly description: string;
  /** null: informational, no deassertion follows. */
  readonly severity: 'WARNING' | 'CRITICAL' | null;
}
const SEL_KINDS: readonly SelKind[] = [
  {
    weight: 40,
    sensorType: 'MEMORY',
    sensorName: 'DIMMA1',
    sensorNumber: 0xd1,
    offset: 0,
    description: 'Correctable ECC',
    severity: 'WARNING',
  },
  {
    weight: 15,
    sensorType: 'POWER_SUPPLY',
    sensorName: 'PS2 Status',
    sensorNumber: 0xc9,
    offset: 3,
    description: 'Power Supply AC lost',
    severity: 'CRITICAL',
  },
  {
    weight: 5,
    sensorType: 'PROCESSOR',
    sensorName: 'CPU1 Status',
    sensorNumber: 0x87,
    offset: 0,
    description: 'IERR',
    severity: 'CRITICAL',
  },
  {
    weight: 40,
    sensorType: 'SYSTEM_EVENT',
    sensorName: 'System Event',
    sensorNumber: 0x83,
    offset: 5,
    description: 'Timestamp Clock Sync',
    severity: null,
  },
];
const SEL_WEIGHT = SEL_KINDS.reduce((n, k) => n + k.weight, 0);

export const serverIdOf = (i: number) => `bench-srv-${i}`;

export interface SelEntryOptions {
  readonly serverId: string;
  readonly eventId: string;
  readonly recordId: number;
  readonly occurredAt: number;
  readonly pollId: string | null;
  readonly kind: Pick<
    SelKind,
    'sensorType' | 'sensorName' | 'sensorNumber' | 'offset' | 'description' | 'severity'
  >;
  readonly direction: 'ASSERTION' | 'DEASSERTION';
}

/** A SEL entry as the collector records it from `ipmi-sel`. */
export function selEntry(o: SelEntryOptions): SelEntryRecorded {
  const k = o.kind;
  return {
    ...sampleEvents.SelEntryRecorded,
    eventId: o.eventId,
    serverId: o.serverId,
    occurredAt: o.occurredAt,
    observedAt: o.occurredAt + 1500,
    source: 'collector@bench',
    pollId: o.pollId,
    recordId: o.recordId,
    bmcTimestamp: o.occurredAt,
    bmcTimestampRaw: new Date(o.occurredAt).toISOString(),
    clockOffsetMs: 0,
    sensorType: k.sensorType,
    sensorTypeCode: null,
    sensorNumber: k.sensorNumber,
    sensorName: k.sensorName,
    sensorId: `${k.sensorName}#0x${k.sensorNumber.toString(16)}`,
    eventDirection: o.direction,
    eventOffset: k.offset,
    eventData: null,
    description: k.description,
    severity: o.direction === 'DEASSERTION' || k.severity === null ? 'INFO' : k.severity,
    rawLine: null,
    rawRecordHex: null,
  };
}

/** The two critical SEL conditions the latency phase alternates (PROCESSOR IERR, memory UCE). */
export const LATENCY_SEL_KINDS = [
  {
    sensorType: 'PROCESSOR',
    sensorName: 'CPU1 Status',
    sensorNumber: 0x87,
    offset: 0,
    description: 'IERR',
    severity: 'CRITICAL',
  },
  {
    sensorType: 'MEMORY',
    sensorName: 'DIMMB2',
    sensorNumber: 0xd4,
    offset: 1,
    description: 'Uncorrectable ECC',
    severity: 'CRITICAL',
  },
] as const satisfies readonly SelEntryOptions['kind'][];

export function serverConfigured(serverId: string, i: number): EventOf<'ipmi.servers.v1'> {
  return {
    type: 'ServerConfigured',
    value: {
      ...sampleEvents.ServerConfigured,
      eventId: `cfg-${serverId}-1`,
      serverId,
      occurredAt: FEED_T0 - HOUR,
      observedAt: FEED_T0 - HOUR,
      source: 'api@bench',
      revision: 1,
      name: serverId,
      host: `10.${Math.floor(i / 250)}.${i % 250}.17`,
      changedFields: [],
    },
  };
}

export interface FeedOptions {
  readonly servers: number;
  /** Stop after the round in which this many events (ServerConfigured included) are reached. */
  readonly events: number;
  readonly seed: number;
  /** Per sensor and round: chance that a threshold/state episode starts. */
  readonly episodeChance?: number;
  /** Per server and SEL poll: chance of a SEL entry. */
  readonly selChance?: number;
  /** Per server and round: chance that the BMC becomes unreachable. */
  readonly outageChance?: number;
}

export interface FeedSummary {
  readonly rounds: number;
  readonly total: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Sensor episodes (a non-OK stretch), SEL assertions that alert, BMC outages. */
  readonly episodes: number;
  readonly selAlerting: number;
  readonly outages: number;
}

interface Episode {
  readonly until: number;
  severity: 'WARNING' | 'CRITICAL';
  readonly escalateAt: number | null;
}

/** Produces the feed's events (in batches of `batch`) through `producer`. */
export async function produceFeed(
  producer: TypedProducer,
  o: FeedOptions,
  batch = 2000,
): Promise<FeedSummary> {
  const rand = seededRandom(o.seed);
  const pEpisode = o.episodeChance ?? 0.002;
  const pSel = o.selChance ?? 0.02;
  const pOutage = o.outageChance ?? 0.0005;
  const byType: Record<string, number> = {};
  let total = 0;
  let episodes = 0;
  let selAlerting = 0;
  let outages = 0;
  const count = (type: string, n: number) => {
    byType[type] = (byType[type] ?? 0) + n;
    total += n;
  };
  async function send<T extends 'ipmi.readings.v1' | 'ipmi.sel.v1' | 'ipmi.polls.v1'>(
    topic: T,
    events: readonly EventOf<T>[],
  ): Promise<void> {
    for (let i = 0; i < events.length; i += batch) {
      await producer.send(topic, events.slice(i, i + batch));
    }
    for (const e of events) count(e.type, 1);
  }

  const servers = Array.from({ length: o.servers }, (_, i) => serverIdOf(i));
  const configured = servers.map((id, i) => serverConfigured(id, i));
  await producer.send('ipmi.servers.v1', configured);
  count('ServerConfigured', configured.length);

  const episode = new Map<string, Episode>();
  /** Deassertions due: round → entries (per server, sent when its BMC is reachable). */
  const deasserts = new Map<number, { server: number; kind: SelKind }[]>();
  const down = new Map<number, number>(); // server → first round it is back
  const recordIds = new Array<number>(o.servers).fill(0);
  const nextRecord = (serverId: string, s: number) => {
    const recordId = (recordIds[s] ?? 0) + 1;
    recordIds[s] = recordId;
    return { eventId: `sel-${serverId}-${recordId}`, recordId };
  };
  let round = 0;
  /** Moves a server's due deassertions to the next round (no SEL poll of it this round). */
  const postpone = (due: readonly { server: number; kind: SelKind }[], s: number) => {
    for (const d of due) {
      if (d.server !== s) continue;
      const later = deasserts.get(round + 1) ?? [];
      later.push(d);
      deasserts.set(round + 1, later);
    }
  };
  for (; total < o.events; round++) {
    const readings: EventOf<'ipmi.readings.v1'>[] = [];
    const sel: EventOf<'ipmi.sel.v1'>[] = [];
    const polls: EventOf<'ipmi.polls.v1'>[] = [];
    const dueDeasserts = deasserts.get(round) ?? [];
    deasserts.delete(round);
    for (let s = 0; s < o.servers; s++) {
      const serverId = servers[s] as string;
      const at = FEED_T0 + round * ROUND_MS + (s % 1000) * 7;
      const pollId = `poll-${serverId}-${round}`;
      const pollBase = {
        serverId,
        occurredAt: at + 1800,
        observedAt: at + 1810,
        source: 'collector@bench',
        startedAt: at,
        durationMs: 1800,
        driver: 'FREEIPMI' as const,
        driverVersion: 'FreeIPMI 1.6.14',
        errorCode: null,
        errorMessage: null,
      };

      // Reachability: an outage starts, goes on, or ends.
      const backAt = down.get(s);
      if (backAt !== undefined && round >= backAt) {
        down.delete(s);
        polls.push({
          type: 'BmcReachabilityChanged',
          value: {
            ...sampleEvents.BmcReachabilityChanged,
            eventId: `reach-${serverId}-${round}`,
            serverId,
            occurredAt: at + 1800,
            observedAt: at + 1810,
            source: 'collector@bench',
            pollId,
            reachable: true,
            previousReachable: false,
            reason: null,
            message: null,
            consecutiveFailures: 0,
            lastSuccessAt: at + 1800,
          },
        });
      } else if (backAt === undefined && rand() < pOutage) {
        outages++;
        down.set(s, round + 2 + Math.floor(rand() * 3));
        polls.push({
          type: 'BmcReachabilityChanged',
          value: {
            ...sampleEvents.BmcReachabilityChanged,
            eventId: `reach-${serverId}-${round}`,
            serverId,
            occurredAt: at + 5000,
            observedAt: at + 5010,
            source: 'collector@bench',
            pollId,
            reachable: false,
            previousReachable: true,
            reason: 'TIMEOUT',
            message: 'ipmi-sensors: connection timeout',
            consecutiveFailures: 1,
            lastSuccessAt: at - ROUND_MS,
          },
        });
      }
      if (down.has(s)) {
        polls.push({
          type: 'PollCompleted',
          value: {
            ...pollBase,
            eventId: `pc-${pollId}-sensors`,
            pollId,
            kind: 'SENSORS',
            outcome: 'FAILED',
            durationMs: 5000,
            itemsRead: 0,
            itemsFailed: 0,
            errorCode: 'COL_BMC_TIMEOUT',
            errorMessage: 'ipmi-sensors: connection timeout',
          },
        });
        // Deassertions wait for the BMC to be reachable again.
        postpone(dueDeasserts, s);
        continue;
      }

      // Sensors.
      for (let j = 0; j < SENSORS.length; j++) {
        const def = SENSORS[j] as SensorDef;
        const key = `${s}/${j}`;
        let ep = episode.get(key);
        if (ep !== undefined && round >= ep.until) {
          episode.delete(key);
          ep = undefined;
        } else if (ep === undefined && rand() < pEpisode) {
          episodes++;
          const len = 1 + Math.floor(rand() * 4);
          const critical = rand() < 0.3;
          ep = {
            until: round + len,
            severity: critical ? 'CRITICAL' : 'WARNING',
            escalateAt: !critical && len >= 2 && rand() < 0.25 ? round + 1 : null,
          };
          episode.set(key, ep);
        }
        if (ep !== undefined && ep.escalateAt === round) ep.severity = 'CRITICAL';
        const state = ep?.severity ?? 'OK';
        readings.push({
          type: 'SensorReadingRecorded',
          value: reading(def, { serverId, pollId, at, j, state, noise: rand() }),
        });
      }
      polls.push({
        type: 'PollCompleted',
        value: {
          ...pollBase,
          eventId: `pc-${pollId}-sensors`,
          pollId,
          kind: 'SENSORS',
          outcome: 'OK',
          itemsRead: SENSORS.length,
          itemsFailed: 0,
        },
      });

      // SEL poll every second round.
      if ((round + s) % 2 !== 0) {
        postpone(dueDeasserts, s);
        continue;
      }
      const selPollId = `${pollId}-sel`;
      const entries: SelEntryRecorded[] = [];
      for (const d of dueDeasserts) {
        if (d.server !== s) continue;
        entries.push(
          selEntry({
            serverId,
            ...nextRecord(serverId, s),
            occurredAt: at - 4000,
            pollId: selPollId,
            kind: d.kind,
            direction: 'DEASSERTION',
          }),
        );
      }
      if (rand() < pSel) {
        let w = rand() * SEL_WEIGHT;
        const kind = SEL_KINDS.find((k) => (w -= k.weight) < 0) ?? SEL_KINDS[0];
        if (kind === undefined) continue;
        entries.push(
          selEntry({
            serverId,
            ...nextRecord(serverId, s),
            occurredAt: at - 9000,
            pollId: selPollId,
            kind,
            direction: 'ASSERTION',
          }),
        );
        if (kind.severity !== null) {
          selAlerting++;
          // Deasserted on one of the next SEL polls of this server (every 2 rounds).
          const due = round + 2 * (1 + Math.floor(rand() * 3));
          const list = deasserts.get(due) ?? [];
          list.push({ server: s, kind });
          deasserts.set(due, list);
        }
      }
      for (const value of entries) sel.push({ type: 'SelEntryRecorded', value });
      polls.push({
        type: 'PollCompleted',
        value: {
          ...pollBase,
          eventId: `pc-${selPollId}`,
          pollId: selPollId,
          kind: 'SEL',
          outcome: 'OK',
          durationMs: 900,
          itemsRead: entries.length,
          itemsFailed: 0,
        },
      });
    }
    await send('ipmi.readings.v1', readings);
    await send('ipmi.sel.v1', sel);
    await send('ipmi.polls.v1', polls);
  }
  return { rounds: round, total, byType, episodes, selAlerting, outages };
}

function reading(
  def: SensorDef,
  o: {
    serverId: string;
    pollId: string;
    at: number;
    j: number;
    state: 'OK' | 'WARNING' | 'CRITICAL';
    noise: number;
  },
): SensorReadingRecorded {
  const base = {
    ...sampleEvents.SensorReadingRecorded,
    eventId: `rd-${o.pollId}-${o.j}`,
    serverId: o.serverId,
    occurredAt: o.at,
    observedAt: o.at + 1200,
    source: 'collector@bench',
    pollId: o.pollId,
    sensorId: `${def.name}#0x${(o.j + 1).toString(16)}`,
    sensorName: def.name,
    sensorNumber: o.j + 1,
    sensorType: def.type,
    sensorTypeCode: null,
  };
  if (def.kind === 'DISCRETE') {
    const bad = o.state !== 'OK';
    return {
      ...base,
      readingKind: 'DISCRETE',
      eventReadingTypeCode: 0x6f,
      value: null,
      unit: null,
      state: bad ? def.severity : 'OK',
      crossedThreshold: null,
      thresholds: null,
      discreteStates: [...(bad ? def.bad : def.ok)],
      discreteStateMask: bad ? 0x09 : 0x01,
    };
  }
  const [lo, hi] = def.ok;
  const [value, crossed] =
    o.state === 'OK'
      ? [lo + (hi - lo) * o.noise, null]
      : o.state === 'WARNING'
        ? def.warning
        : def.critical;
  return {
    ...base,
    readingKind: 'THRESHOLD',
    eventReadingTypeCode: 1,
    value: Math.round(value * 100) / 100,
    unit: def.unit,
    state: o.state,
    crossedThreshold: crossed,
    thresholds: def.thresholds,
    discreteStates: [],
    discreteStateMask: null,
  };
}
