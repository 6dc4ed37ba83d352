/** Shapes of the fleet dashboard (route `/`): the summary it reads and the filters it keeps. */
import type { Health, Licence, Server } from '../types';

export interface FleetSummary {
  servers: number;
  byHealth: Record<Health, number>;
  activeAlerts: { CRITICAL: number; WARNING: number; INFO: number };
  attention: Server[];
  licence: Licence;
}

export type FleetView = 'grid' | 'table';

/** What the URL query holds: `?q=&health=&tag=&model=&view=`; '' means "any". */
export interface FleetFilters {
  q: string;
  health: Health | '';
  tag: string;
  model: string;
  view: FleetView;
}
