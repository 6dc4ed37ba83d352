/**
 * Silences as operators set them: the request → the events (one SilenceSet per server), and
 * the events → the silences in force. Pure; the CLI (`ipmi-monitor silence`) and the API
 * share it. What a silence does to alerts is alerts/model.ts.
 */
import { createHash } from 'node:crypto';
import type { ComponentType, EventOf, SilenceLifted, SilenceSet } from '@ipmi-monitor/schemas';
import { streamsErrors } from '../errors.js';

const invalid = (message: string) => streamsErrors.error('STR_SILENCE_INVALID', message);

export type SilenceEvent = EventOf<'ipmi.silences.v1'>;

export interface SilenceRequest {
  readonly serverIds: readonly string[];
  readonly componentType: ComponentType | null;
  readonly component: string | null;
  readonly condition: string | null;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

const hash = (...parts: readonly (string | number)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p)).update('\u001e');
  return h.digest('hex').slice(0, 32);
};

/** Milliseconds of `90s`, `30m`, `2h`, `7d`; throws on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw invalid(`"${text}" is not a duration like 30m, 2h or 7d`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

/**
 * The events of one silence request. `now` is the request time (occurredAt); the silence id
 * derives from the request, so a retried request is the same silence.
 */
export function silenceEvents(
  req: SilenceRequest,
  ctx: { readonly now: number; readonly source: string },
): { readonly silenceId: string; readonly events: SilenceEvent[] } {
  if (req.serverIds.length === 0) throw invalid('a silence needs a server');
  if (!(req.endsAt > req.startsAt)) {
    throw invalid('a silence must end after it starts');
  }
  if (req.endsAt <= ctx.now) throw invalid('a silence must end in the future');
  if (req.comment.trim() === '') {
    throw invalid('a silence needs a comment saying why');
  }
  const servers = [...new Set(req.serverIds)].sort();
  const silenceId = `sil-${hash(
    ...servers,
    req.componentType ?? '*',
    req.component ?? '*',
    req.condition ?? '*',
    req.startsAt,
    req.endsAt,
    req.createdBy,
    req.comment,
  ).slice(0, 16)}`;
  const events = servers.map((serverId): SilenceEvent => ({
    type: 'SilenceSet',
    value: {
      eventId: hash(silenceId, serverId, 'set'),
      serverId,
      occurredAt: ctx.now,
      observedAt: ctx.now,
      source: ctx.source,
      silenceId,
      componentType: req.componentType,
      component: req.component,
      condition: req.condition,
      startsAt: req.startsAt,
      endsAt: req.endsAt,
      createdBy: req.createdBy,
      comment: req.comment,
    } satisfies SilenceSet,
  }));
  return { silenceId, events };
}

/** SilenceLifted for every server a silence covers (as `inForce` knows them). */
export function liftEvents(
  silenceId: string,
  serverIds: readonly string[],
  ctx: { readonly now: number; readonly source: string; readonly by: string },
): SilenceEvent[] {
  return [...new Set(serverIds)].sort().map((serverId) => ({
    type: 'SilenceLifted',
    value: {
      eventId: hash(silenceId, serverId, 'lift', ctx.now),
      serverId,
      occurredAt: ctx.now,
      observedAt: ctx.now,
      source: ctx.source,
      silenceId,
      liftedBy: ctx.by,
    } satisfies SilenceLifted,
  }));
}

export interface SilenceInForce extends Omit<
  SilenceSet,
  'serverId' | 'eventId' | 'observedAt' | 'source'
> {
  readonly serverIds: readonly string[];
}

/**
 * The silences not lifted and not ended at `now`, from the topic's events in log order;
 * sorted by start, then end.
 */
export function silencesInForce(events: readonly SilenceEvent[], now: number): SilenceInForce[] {
  const byId = new Map<string, { set: SilenceSet; servers: Set<string> }>();
  for (const e of events) {
    if (e.type === 'SilenceSet') {
      const entry = byId.get(e.value.silenceId) ?? { set: e.value, servers: new Set<string>() };
      entry.servers.add(e.value.serverId);
      byId.set(e.value.silenceId, entry);
    } else {
      byId.get(e.value.silenceId)?.servers.delete(e.value.serverId);
    }
  }
  return [...byId.values()]
    .filter((x) => x.servers.size > 0 && x.set.endsAt > now)
    .map(({ set, servers }) => ({
      silenceId: set.silenceId,
      occurredAt: set.occurredAt,
      componentType: set.componentType,
      component: set.component,
      condition: set.condition,
      startsAt: set.startsAt,
      endsAt: set.endsAt,
      createdBy: set.createdBy,
      comment: set.comment,
      serverIds: [...servers].sort(),
    }))
    .sort(
      (a, b) =>
        a.startsAt - b.startsAt || a.endsAt - b.endsAt || a.silenceId.localeCompare(b.silenceId),
    );
}
