/**
 * Turns the scheduler's reachability decisions into BmcReachabilityChanged events. The id is
 * a hash of (serverId, pollId) as the schema asks, so re-deciding the same poll's outcome
 * (a handler retrying a failed produce) yields the same id and consumers deduplicate it.
 */
import { createHash } from 'node:crypto';
import type { BmcReachabilityChanged } from '@ipmi-monitor/schemas';
import type { ReachabilityDecision } from './model.js';

export function reachabilityEventId(d: ReachabilityDecision): string {
  // Without a poll id the change is pinned by its time and direction instead.
  const poll = d.pollId ?? `at:${d.occurredAt}:${d.reachable ? 'up' : 'down'}`;
  return createHash('sha256')
    .update(`BmcReachabilityChanged\u0000${d.serverId}\u0000${poll}`)
    .digest('hex')
    .slice(0, 32);
}

export function toBmcReachabilityChanged(
  d: ReachabilityDecision,
  envelope: { readonly source: string; readonly observedAt: number },
): BmcReachabilityChanged {
  return {
    eventId: reachabilityEventId(d),
    serverId: d.serverId,
    occurredAt: d.occurredAt,
    observedAt: envelope.observedAt,
    source: envelope.source,
    pollId: d.pollId,
    reachable: d.reachable,
    previousReachable: d.previousReachable,
    reason: d.reason,
    message: d.message,
    consecutiveFailures: d.consecutiveFailures,
    lastSuccessAt: d.lastSuccessAt,
  };
}
