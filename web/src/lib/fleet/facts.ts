/** Short texts a tile or row shows about a server. Pure: unit-tested in facts.unit.test.ts. */
import type { Server } from '../types';

/** "On · 272 W", "Off", "312 W", or null when nothing is known. */
export function powerText(s: Pick<Server, 'powerState' | 'powerWatts'>): string | null {
  const state = s.powerState
    ? s.powerState.charAt(0).toUpperCase() + s.powerState.slice(1).toLowerCase()
    : null;
  const watts =
    typeof s.powerWatts === 'number' && Number.isFinite(s.powerWatts)
      ? `${Math.round(s.powerWatts).toLocaleString('en-US')} W`
      : null;
  if (state === 'Unknown' && !watts) return null;
  return [state, watts].filter(Boolean).join(' · ') || null;
}

/** "2 critical, 1 warning", or null without active alerts. */
export function alertsText(s: Pick<Server, 'criticalAlerts' | 'warningAlerts'>): string | null {
  const parts: string[] = [];
  if (s.criticalAlerts > 0) parts.push(`${s.criticalAlerts} critical`);
  if (s.warningAlerts > 0) parts.push(`${s.warningAlerts} warning`);
  return parts.length ? parts.join(', ') : null;
}
