/**
 * The soak test's fault plan, pure: which BMC suffers which fault, when the global
 * disruptions happen (broker and registry restarts, services killed with SIGKILL), and the
 * alerts the pipeline must produce for it. The runner (soak.ts) carries the plan out and
 * keeps the truth; verify.ts compares the truth with what the product stored.
 */

/** What happens to one BMC during the run. */
export type Role =
  /** CPU Temp climbs over its upper critical threshold, holds, and comes back. */
  | 'drift'
  /** Bursts of correctable-ECC and OEM SEL entries; the ECC alert stays active. */
  | 'selBurst'
  /** An ECC burst, a SEL clear (with the "log cleared" marker), then a second burst. */
  | 'selClear'
  /** The BMC process is stopped, then restarted with its SEL kept. */
  | 'stop'
  /** The BMC process is frozen (SIGSTOP), then resumed: polls hang until their deadline. */
  | 'hang'
  /** The BMC's password is changed under the collector, then changed back. */
  | 'wrongPassword'
  /** Nothing: any alert here is a false alarm. */
  | 'quiet';

export type GlobalAction =
  | { readonly kind: 'restart-broker' }
  | { readonly kind: 'restart-registry' }
  | { readonly kind: 'kill'; readonly service: 'collector' | 'streams' | 'api' | 'web' };

export interface TimedGlobal {
  /** ms after the faults start. */
  readonly at: number;
  readonly action: GlobalAction;
}

export interface BmcFault {
  readonly index: number;
  readonly role: Role;
  /** ms after the faults start. */
  readonly at: number;
}

/** One alert fingerprint's expected lifecycle on one server. */
export interface ExpectedAlert {
  readonly index: number;
  readonly condition: string;
  readonly raises: number;
  readonly resolves: number;
}

export interface Plan {
  readonly faults: readonly BmcFault[];
  readonly globals: readonly TimedGlobal[];
  readonly expected: readonly ExpectedAlert[];
}

export interface PlanOptions {
  readonly bmcs: number;
  /** How long faults are injected, ms (the run then settles and is checked). */
  readonly durationMs: number;
  /** Kills of each service over the run. */
  readonly killsPerService: number;
}

// Share of the fleet per fault role; the rest is quiet. At least one BMC per role.
const SHARES: readonly (readonly [Exclude<Role, 'quiet'>, number])[] = [
  ['drift', 0.12],
  ['selBurst', 0.12],
  ['selClear', 0.06],
  ['stop', 0.06],
  ['hang', 0.06],
  ['wrongPassword', 0.06],
];

export const MIN_BMCS = SHARES.length + 1;

/** The roles of BMCs 1..n, faulty ones first, interleaved so every role is present. */
export function assignRoles(n: number): Role[] {
  if (!Number.isInteger(n) || n < MIN_BMCS) {
    throw new RangeError(
      `the soak needs at least ${MIN_BMCS} BMCs (one per fault and a quiet one)`,
    );
  }
  const counts = SHARES.map(([role, share]) => [role, Math.max(1, Math.round(n * share))] as const);
  const roles: Role[] = [];
  // Round-robin so a short run still spreads the faults over its timeline.
  for (let round = 0; roles.length < n; round++) {
    let added = false;
    for (const [role, count] of counts) {
      if (round < count && roles.length < n - 1) {
        roles.push(role);
        added = true;
      }
    }
    if (!added) break;
  }
  while (roles.length < n) roles.push('quiet');
  return roles;
}

/** The alerts a role must produce: exactly these, nothing else on that server. */
export function expectedAlerts(index: number, role: Role): ExpectedAlert[] {
  switch (role) {
    case 'drift':
      return [{ index, condition: 'SENSOR_THRESHOLD', raises: 1, resolves: 1 }];
    case 'selBurst':
      return [{ index, condition: 'SEL_MEMORY_ECC', raises: 1, resolves: 0 }];
    case 'selClear':
      // The clear resolves the first alert; the second burst raises it again.
      return [{ index, condition: 'SEL_MEMORY_ECC', raises: 2, resolves: 1 }];
    case 'stop':
    case 'hang':
    case 'wrongPassword':
      return [{ index, condition: 'BMC_UNREACHABLE', raises: 1, resolves: 1 }];
    case 'quiet':
      return [];
  }
}

/**
 * The whole plan. BMC faults start spread over the first 60% of the run; the global
 * disruptions one at a time over 10%..70%, so the last 30% runs undisturbed (the memory
 * figures and the settle come from it).
 */
export function makePlan(o: PlanOptions): Plan {
  const roles = assignRoles(o.bmcs);
  const faulty = roles.map((role, i) => ({ index: i + 1, role })).filter((f) => f.role !== 'quiet');
  const faults = faulty.map((f, k) => ({
    ...f,
    at: Math.round((o.durationMs * 0.6 * k) / Math.max(1, faulty.length)),
  }));

  const actions: GlobalAction[] = [];
  const services = ['collector', 'streams', 'api', 'web'] as const;
  for (let round = 0; round < o.killsPerService; round++) {
    for (const service of services) actions.push({ kind: 'kill', service });
    if (round === 0) actions.push({ kind: 'restart-broker' });
    if (round === Math.min(1, o.killsPerService - 1)) actions.push({ kind: 'restart-registry' });
  }
  if (o.killsPerService === 0)
    actions.push({ kind: 'restart-broker' }, { kind: 'restart-registry' });
  const globals = actions.map((action, k) => ({
    at: Math.round(o.durationMs * (0.1 + (0.6 * k) / Math.max(1, actions.length - 1))),
    action,
  }));

  const expected = roles.flatMap((role, i) => expectedAlerts(i + 1, role));
  return { faults, globals, expected };
}
