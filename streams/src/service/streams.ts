/**
 * The stream processor: the pure deciders (alerts/model.ts, insights/model.ts) run over the
 * co-partitioned inputs inside the seam's exactly-once loop (runtime/src/kafka/processor.ts).
 * This module only maps one input message to store reads, a decision, store writes and
 * emitted events; the seam makes each batch of those one Kafka transaction.
 *
 * Store layout (changelog ipmi.streamstate.v1, one entry per key):
 * - `alerts/<serverId>`: the server's ServerAlertState (open alerts, flap history, BMC and
 *   power facts). A change of its JSON shape gets a new store name, never an in-place
 *   reinterpretation of old entries.
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

/** Inputs, co-partitioned by server id. */
export const STREAMS_INPUTS = [
  'ipmi.readings.v1',
  'ipmi.sel.v1',
  'ipmi.polls.v1',
  'ipmi.servers.v1',
] as const;
export const STREAMS_CHANGELOG = 'ipmi.streamstate.v1';

export const alertStateKey = (serverId: string) => `alerts/${serverId}`;

export interface HandlerOptions {
  /** `streams@<instance>`, the source of every emitted event. */
  readonly source: string;
  readonly now?: () => number;
  readonly alerts?: Partial<AlertConfig>;
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
  return (ctx: TaskContext, msg: ConsumedEvent): void => {
    const event = msg.event as AnyEvent;
    const serverId = event.value.serverId;
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
