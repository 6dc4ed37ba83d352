/**
 * The stream processor: the pure deciders (alerts/model.ts, insights/model.ts) run over the
 * co-partitioned inputs inside the seam's exactly-once loop (runtime/src/kafka/processor.ts).
 * This module only maps one input message to store reads, a decision, store writes and
 * emitted events; the seam makes each batch of those one Kafka transaction.
 *
 * Store layout (changelog ipmi.streamstate.v1, one entry per key):
 * - `alerts/<serverId>`: the server's ServerAlertState (open alerts, flap history, BMC and
 *   power facts, silences).
 * - `insights/<serverId>`: the names of the server's insight state parts, and
 *   `insights/<serverId>/<part>` each part (insightStateParts: a sensor's live bucket, its
 *   closed buckets, a DIMM's ECC entries, an open insight, ...). Split so that a reading
 *   rewrites its sensor's small live part, not the server's whole history.
 * A change of an entry's JSON shape gets a new store name, never an in-place
 * reinterpretation of old entries.
 */
import type { AnyEvent } from '@ipmi-monitor/schemas';
import type {
  ConsumedEvent,
  Seam,
  StreamProcessorHandle,
  TaskContext,
} from '@ipmi-monitor/runtime';
import type { Logger } from 'pino';
import { Counter, type Registry } from '@ipmi-monitor/runtime';
import {
  decideAlerts,
  EMPTY_SERVER_ALERT_STATE,
  type AlertConfig,
  type ServerAlertState,
} from '../alerts/model.js';
import {
  decideInsights,
  insightStateFromParts,
  changedInsightParts,
  type InsightConfig,
  type ServerInsightState,
} from '../insights/model.js';

/** Inputs, co-partitioned by server id. */
export const STREAMS_INPUTS = [
  'ipmi.readings.v1',
  'ipmi.sel.v1',
  'ipmi.polls.v1',
  'ipmi.servers.v1',
  'ipmi.silences.v1',
] as const;
export const STREAMS_CHANGELOG = 'ipmi.streamstate.v1';

export const alertStateKey = (serverId: string) => `alerts/${serverId}`;
export const insightIndexKey = (serverId: string) => `insights/${serverId}`;
const insightPartKey = (serverId: string, part: string) => `insights/${serverId}/${part}`;

export interface HandlerOptions {
  /** `streams@<instance>`, the source of every emitted event. */
  readonly source: string;
  readonly now?: () => number;
  readonly alerts?: Partial<AlertConfig>;
  readonly insights?: Partial<InsightConfig>;
  readonly metrics?: Registry | undefined;
}

export function createStreamsHandler(options: HandlerOptions) {
  const now = options.now ?? Date.now;
  const registers = options.metrics ? [options.metrics] : [];
  const alertEvents = new Counter({
    name: 'ipmi_streams_alert_events_total',
    help: 'Alert lifecycle events emitted, by type (raised, updated, resolved) and severity.',
    labelNames: ['type', 'severity'],
    registers,
  });
  const insightEvents = new Counter({
    name: 'ipmi_streams_insight_events_total',
    help: 'Insight lifecycle events emitted, by type (raised, updated, closed) and kind.',
    labelNames: ['type', 'kind'],
    registers,
  });

  /**
   * The last assembled insight state per server, with the stored objects it was built from.
   * Used only while every one of those objects is still what the store holds (identity), so
   * an aborted transaction, a restore or another partition's owner can never leave it stale:
   * then the state is assembled from the store again.
   */
  const assembled = new Map<
    string,
    {
      readonly names: readonly string[];
      readonly keys: readonly string[];
      readonly parts: Readonly<Record<string, unknown>>;
      readonly state: ServerInsightState;
    }
  >();

  function loadInsights(ctx: TaskContext, serverId: string) {
    const names = (ctx.get(insightIndexKey(serverId)) as string[] | undefined) ?? [];
    const cached = assembled.get(serverId);
    if (
      cached !== undefined &&
      cached.names === names &&
      cached.keys.every((k, i) => ctx.get(k) === cached.parts[names[i] ?? ''])
    ) {
      return cached;
    }
    const keys = names.map((n) => insightPartKey(serverId, n));
    const parts: Record<string, unknown> = {};
    names.forEach((n, i) => (parts[n] = ctx.get(keys[i] ?? '')));
    return { names, keys, parts, state: insightStateFromParts(parts) };
  }

  /** Decides the server's insights and writes back the parts that changed. */
  function insights(ctx: TaskContext, event: AnyEvent, serverId: string): void {
    const { names, keys, parts, state: before } = loadInsights(ctx, serverId);
    const decision = decideInsights(before, event, {
      source: options.source,
      observedAt: now(),
      ...(options.insights ? { config: options.insights } : {}),
    });
    if (decision.out.length > 0) {
      ctx.emit('ipmi.insights.v1', decision.out);
      for (const e of decision.out) insightEvents.inc({ type: e.type, kind: e.value.kind });
    }
    if (event.type === 'ServerRemoved') {
      for (const n of names) ctx.delete(insightPartKey(serverId, n));
      ctx.delete(insightIndexKey(serverId));
      assembled.delete(serverId);
      return;
    }
    if (decision.state === before) return;
    const { put, removed } = changedInsightParts(before, decision.state);
    // Updated in place: a cached copy of it is only trusted while it matches the store.
    const parts2 = parts as Record<string, unknown>;
    let namesChanged = removed.length > 0;
    for (const n in put) {
      ctx.put(insightPartKey(serverId, n), put[n]);
      if (!(n in parts2)) namesChanged = true;
      parts2[n] = put[n];
    }
    let nextNames = names;
    if (namesChanged) {
      for (const n of removed) {
        ctx.delete(insightPartKey(serverId, n));
        delete parts2[n];
      }
      nextNames = Object.keys(parts2).sort();
      ctx.put(insightIndexKey(serverId), nextNames);
    }
    assembled.set(serverId, {
      names: nextNames,
      keys: nextNames === names ? keys : nextNames.map((n) => insightPartKey(serverId, n)),
      parts: parts2,
      state: decision.state,
    });
  }

  return (ctx: TaskContext, msg: ConsumedEvent): void => {
    const event = msg.event as AnyEvent;
    const serverId = event.value.serverId;
    insights(ctx, event, serverId);
    const key = alertStateKey(serverId);
    const before = (ctx.get(key) as ServerAlertState | undefined) ?? EMPTY_SERVER_ALERT_STATE;
    const decision = decideAlerts(before, event, {
      source: options.source,
      observedAt: now(),
      ...(options.alerts ? { config: options.alerts } : {}),
    });
    if (decision.out.length > 0) {
      ctx.emit('ipmi.alerts.v1', decision.out);
      for (const e of decision.out) alertEvents.inc({ type: e.type, severity: e.value.severity });
    }
    if (event.type === 'ServerRemoved') {
      ctx.delete(key);
      return;
    }
    // The decider returns fresh objects even when nothing changed; the changelog gets an
    // entry only when the state really differs, which keeps it to a write per change.
    if (decision.state !== before && JSON.stringify(decision.state) !== JSON.stringify(before)) {
      ctx.put(key, decision.state);
    }
  };
}

export interface StartStreamsOptions extends HandlerOptions {
  readonly seam: Seam;
  readonly logger: Logger;
  readonly groupId?: string;
  readonly sessionTimeoutMs?: number;
}

/** Joins the group and processes until stopped. */
export async function startStreams(options: StartStreamsOptions): Promise<StreamProcessorHandle> {
  const handle = createStreamsHandler(options);
  // Outputs exist before the first transaction: a send to a missing topic fails the whole
  // batch, over and over, until someone creates it.
  await options.seam.ensureTopics(['ipmi.alerts.v1', 'ipmi.insights.v1']);
  const processor = await options.seam.process({
    groupId: options.groupId ?? 'streams',
    inputs: STREAMS_INPUTS,
    changelog: STREAMS_CHANGELOG,
    source: options.source,
    handle,
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  options.logger.info({ group: options.groupId ?? 'streams' }, 'stream processor started');
  return processor;
}
