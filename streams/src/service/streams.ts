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
  insightStateParts,
  type InsightConfig,
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

  /** Loads the server's insight state from its parts, decides, writes back what changed. */
  function insights(ctx: TaskContext, event: AnyEvent, serverId: string): void {
    const names = (ctx.get(insightIndexKey(serverId)) as string[] | undefined) ?? [];
    const parts: Record<string, unknown> = {};
    for (const n of names) parts[n] = ctx.get(insightPartKey(serverId, n));
    const before = insightStateFromParts(parts);
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
      return;
    }
    if (decision.state === before) return;
    const after = insightStateParts(decision.state);
    // Parts the decision did not touch are the very objects it was given (by contract of
    // insightStateParts), so identity finds the ones to write.
    for (const [n, v] of Object.entries(after)) {
      if (parts[n] !== v) ctx.put(insightPartKey(serverId, n), v);
    }
    for (const n of names) if (!(n in after)) ctx.delete(insightPartKey(serverId, n));
    const nextNames = Object.keys(after).sort();
    if (nextNames.join('\u001e') !== names.join('\u001e')) {
      ctx.put(insightIndexKey(serverId), nextNames);
    }
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
