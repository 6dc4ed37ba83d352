/**
 * The fleet dashboard's pure logic: filters to and from the URL query, which servers match,
 * the "needs attention" order, and the choices the filter menus offer. No DOM, no clock:
 * unit-tested in filters.unit.test.ts.
 */
import type { Health, Server } from '../types';
import type { FleetFilters, FleetView } from './types';

export const HEALTH_ORDER: readonly Health[] = [
  'CRITICAL',
  'UNREACHABLE',
  'WARNING',
  'OK',
  'UNKNOWN',
];
const HEALTH_SET = new Set<string>(HEALTH_ORDER);

/** Needs attention: critical, then unreachable, then warning (as the API's summary). */
export const ATTENTION: readonly Health[] = ['CRITICAL', 'UNREACHABLE', 'WARNING'];

export const NO_FILTERS: FleetFilters = { q: '', health: '', tag: '', model: '', view: 'grid' };

export function parseFilters(params: URLSearchParams): FleetFilters {
  const health = (params.get('health') ?? '').toUpperCase();
  const view = params.get('view');
  return {
    q: params.get('q') ?? '',
    health: HEALTH_SET.has(health) ? (health as Health) : '',
    tag: params.get('tag') ?? '',
    model: params.get('model') ?? '',
    view: view === 'table' ? 'table' : 'grid',
  };
}

/** "?health=CRITICAL&view=table", "" when all are defaults: a bookmarkable view. */
export function filtersToSearch(f: FleetFilters): string {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q);
  if (f.health) p.set('health', f.health);
  if (f.tag) p.set('tag', f.tag);
  if (f.model) p.set('model', f.model);
  if (f.view !== 'grid') p.set('view', f.view satisfies FleetView);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Whether any filter narrows the list (the view is not a filter). */
export function isFiltered(f: FleetFilters): boolean {
  return f.q.trim() !== '' || f.health !== '' || f.tag !== '' || f.model !== '';
}

/** The model a server is filed under: its configured model, else what its BMC says. */
export function modelOf(s: Server): string {
  if (s.model) return s.model;
  const made = [s.manufacturer, s.productName].filter(Boolean).join(' ');
  return made;
}

/** As the API's `q`: a case-insensitive substring of the id, name or host. */
export function matches(s: Server, f: FleetFilters): boolean {
  if (f.health && s.health !== f.health) return false;
  if (f.tag && !s.tags.includes(f.tag)) return false;
  if (f.model && modelOf(s) !== f.model) return false;
  const q = f.q.trim().toLowerCase();
  if (q) {
    const hay = [s.serverId, s.name, s.host];
    if (!hay.some((h) => h.toLowerCase().includes(q))) return false;
  }
  return true;
}

const byName = (a: Server, b: Server) =>
  a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' }) ||
  (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0);

/** As the API's attention list: health rank, then critical and warning alerts, then name. */
export function attentionOrder(a: Server, b: Server): number {
  const ra = ATTENTION.indexOf(a.health);
  const rb = ATTENTION.indexOf(b.health);
  return (
    (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb) ||
    b.criticalAlerts - a.criticalAlerts ||
    b.warningAlerts - a.warningAlerts ||
    byName(a, b)
  );
}

/** The servers that match, split: those needing attention first (in order), the rest by name. */
export function groupServers(
  servers: Iterable<Server>,
  f: FleetFilters,
): { attention: Server[]; rest: Server[] } {
  const attention: Server[] = [];
  const rest: Server[] = [];
  for (const s of servers) {
    if (!matches(s, f)) continue;
    (ATTENTION.includes(s.health) ? attention : rest).push(s);
  }
  attention.sort(attentionOrder);
  rest.sort(byName);
  return { attention, rest };
}

export interface Choice {
  value: string;
  count: number;
}

function choices(values: Iterable<string>): Choice[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => a.value.localeCompare(b.value, 'en', { numeric: true }));
}

/** Every tag in the fleet with how many servers carry it. */
export function tagChoices(servers: Iterable<Server>): Choice[] {
  return choices([...servers].flatMap((s) => s.tags));
}

/** Every model in the fleet with how many servers are of it. */
export function modelChoices(servers: Iterable<Server>): Choice[] {
  return choices([...servers].map(modelOf));
}

/** Servers by health, from the list (the summary's counts come from the API). */
export function countByHealth(servers: Iterable<Server>): Record<Health, number> {
  const counts: Record<Health, number> = {
    CRITICAL: 0,
    UNREACHABLE: 0,
    WARNING: 0,
    OK: 0,
    UNKNOWN: 0,
  };
  for (const s of servers) counts[s.health] = (counts[s.health] ?? 0) + 1;
  return counts;
}
