/**
 * Deterministic ids for the server configuration topic. The server id is the Kafka key of
 * every event of a server, so deriving it from the name (when the operator gives none)
 * must be stable: importing the same file twice must address the same servers, not create
 * copies. Event ids are hashes of (type, serverId, revision) as the schemas ask, so a
 * re-published configuration event is recognisably the same event.
 */
import { createHash } from 'node:crypto';

/** Lower-case letters, digits, `.`, `_`, `-`; 1-63 characters, starting alphanumeric. */
export const SERVER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** `db-07.FRA1 (rack Ä)` → `db-07.fra1-rack-a`; '' when nothing usable remains. */
export function slugifyServerId(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 63)
    .replace(/[-._]+$/g, '');
}

export function serverEventId(
  type: 'ServerConfigured' | 'ServerRemoved',
  serverId: string,
  revision: number,
): string {
  return createHash('sha256')
    .update(`${type}\u0000${serverId}\u0000${revision}`)
    .digest('hex')
    .slice(0, 32);
}

/** The one-session-per-BMC identity: `host:port`, IPv6 hosts in brackets. */
export function bmcKey(host: string, port: number): string {
  return `${host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase()}:${port}`;
}
