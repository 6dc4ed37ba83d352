/**
 * Runs a round: the jobs one scheduler tick started, together. Each command is a phase run
 * over every job that needs it at once, so FreeIPMI servers share one multi-host process per
 * command (`-h a,b,c`, see drivers/fanout.ts) instead of a process each. Phases run one
 * after the other, which also keeps the one-session-per-BMC rule: a BMC is never in two
 * commands at once. A job whose BMC timed out, refused or rejected the login skips its
 * remaining phases: a dead BMC costs one deadline per round, not one per command.
 */
import type { ServerConfigured } from '@ipmi-monitor/schemas';
import { fanoutRun, type FanoutItem, type FanoutOptions } from '../drivers/fanout.js';
import type {
  BmcTarget,
  Driver,
  DriverCommand,
  DriverResult,
  SelOptions,
} from '../drivers/types.js';
import {
  isConclusiveFailure,
  selFollowUp,
  type ClockOffset,
  type HeldCursor,
  type JobRead,
  type JobReads,
} from '../poll/model.js';
import type { PollJob } from '../schedule/model.js';

export interface RoundJob {
  readonly job: PollJob;
  readonly config: ServerConfigured;
  readonly target: BmcTarget;
  readonly cursor: HeldCursor | null;
  readonly clock: ClockOffset | null;
  /** False once the BMC answered that it has no DCMI: the command is skipped until re-checked. */
  readonly dcmi: boolean;
}

export interface RoundDeps {
  readonly drivers: { readonly freeipmi: Driver; readonly ipmitool: Driver };
  /** Multi-host FreeIPMI runs; null runs every host on its own. */
  readonly fanout: FanoutOptions | null;
  readonly now: () => number;
}

export interface RoundJobReads {
  readonly reads: JobReads;
  readonly finishedAt: number;
}

function callDriver(
  driver: Driver,
  command: DriverCommand,
  target: BmcTarget,
  sel: SelOptions | undefined,
): Promise<DriverResult> {
  switch (command) {
    case 'sensors':
      return driver.sensors(target);
    case 'sel':
      return driver.sel(target, sel);
    case 'selInfo':
      return driver.selInfo(target);
    case 'selTime':
      return driver.selTime(target);
    case 'dcmiPower':
      return driver.dcmiPower(target);
    case 'chassisStatus':
      return driver.chassisStatus(target);
    case 'bmcInfo':
      return driver.bmcInfo(target);
    case 'fru':
      return driver.fru(target);
  }
}

const usesFreeipmi = (rj: RoundJob) => rj.config.driver !== 'IPMITOOL';

/** The range read resumes at the newest entry already published (FreeIPMI only). */
function rangeOf(rj: RoundJob): SelOptions | undefined {
  const c = rj.cursor;
  if (c === null || c.bmc !== rj.job.bmc || c.cursor.lastRecordNumber === null) return undefined;
  return { fromRecordId: c.cursor.lastRecordNumber };
}

export async function runRound(
  jobs: readonly RoundJob[],
  deps: RoundDeps,
): Promise<Map<string, RoundJobReads>> {
  const reads = new Map<string, Record<string, DriverResult>>(jobs.map((j) => [j.job.jobId, {}]));
  const finished = new Map<string, number>();
  const alive = (rj: RoundJob) =>
    !Object.values(reads.get(rj.job.jobId) ?? {}).some(isConclusiveFailure);
  const has = (rj: RoundJob, kind: string) => rj.job.kinds.includes(kind as never);

  const phase = async (
    read: JobRead,
    wanted: (rj: RoundJob) => boolean,
    selOf: (rj: RoundJob) => SelOptions | undefined = () => undefined,
  ): Promise<void> => {
    const list = jobs.filter((rj) => alive(rj) && wanted(rj));
    if (list.length === 0) return;
    const command: DriverCommand = read === 'selFull' ? 'sel' : read;
    const fan = deps.fanout !== null ? list.filter(usesFreeipmi) : [];
    const single = fan.length >= 2 ? list.filter((rj) => !usesFreeipmi(rj)) : list;
    const store = (rj: RoundJob, r: DriverResult) => {
      (reads.get(rj.job.jobId) as Record<string, DriverResult>)[read] = r;
      finished.set(rj.job.jobId, deps.now());
    };
    await Promise.all([
      (async () => {
        if (fan.length < 2) return;
        const items: FanoutItem[] = fan.map((rj) => ({ target: rj.target, sel: selOf(rj) }));
        const out = await fanoutRun(command, items, deps.fanout ?? {});
        fan.forEach((rj, i) => store(rj, out[i] as DriverResult));
      })(),
      ...single.map(async (rj) => {
        const driver = usesFreeipmi(rj) ? deps.drivers.freeipmi : deps.drivers.ipmitool;
        store(rj, await callDriver(driver, command, rj.target, selOf(rj)));
      }),
    ]);
  };

  await phase('bmcInfo', (rj) => has(rj, 'REACHABILITY'));
  await phase('sensors', (rj) => has(rj, 'SENSORS'));
  await phase(
    'sel',
    (rj) => has(rj, 'SEL'),
    (rj) => (usesFreeipmi(rj) ? rangeOf(rj) : undefined),
  );

  const follow = new Map(
    jobs
      .filter((rj) => has(rj, 'SEL'))
      .flatMap((rj) => {
        const sel = reads.get(rj.job.jobId)?.sel;
        if (sel === undefined) return [];
        return [[rj.job.jobId, selFollowUp(sel, rj.cursor, rj.job.bmc, rj.clock, deps.now())]];
      }),
  );
  await phase('selFull', (rj) => follow.get(rj.job.jobId)?.full === true);
  await phase('selInfo', (rj) => follow.get(rj.job.jobId)?.info === true);
  await phase('selTime', (rj) => follow.get(rj.job.jobId)?.clock === true);

  await phase('chassisStatus', (rj) => has(rj, 'POWER'));
  await phase('dcmiPower', (rj) => has(rj, 'POWER') && rj.dcmi);

  await phase('bmcInfo', (rj) => has(rj, 'INVENTORY'));
  await phase('fru', (rj) => has(rj, 'INVENTORY'));

  const out = new Map<string, RoundJobReads>();
  for (const rj of jobs) {
    out.set(rj.job.jobId, {
      reads: reads.get(rj.job.jobId) as JobReads,
      finishedAt: finished.get(rj.job.jobId) ?? deps.now(),
    });
  }
  return out;
}
