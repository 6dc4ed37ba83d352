/**
 * One finished poll job → the events it publishes, the scheduler's job result and the next
 * SEL cursor. Pure: tool output, parsed here, plus the job's context in; events out. The
 * handler (service/) runs the tools and publishes what this returns in one transaction.
 *
 * A job reads several kinds over one BMC session (see schedule/model.ts); each kind gets its
 * own PollCompleted, so a consumer can tell "sensors fine, DCMI unsupported" from "BMC down".
 */
import {
  parseDetailed,
  type ParseIssue,
  type ParsedBmcClock,
  type ParsedBmcInfo,
  type ParsedChassisStatus,
  type ParsedFruDevice,
  type ParsedPowerReading,
  type ParsedSelEntry,
  type ParsedSelInfo,
  type ParsedSensorReading,
  type SeverityRule,
} from '@ipmi-monitor/ipmi';
import type {
  BmcReachabilityChanged,
  ChassisPowerObserved,
  Driver as DriverSymbol,
  InventoryCollected,
  PollCompleted,
  PollKind,
  ReachabilityReason,
  SelCleared,
  SelCursorSaved,
  SelEntryRecorded,
  SelOverflowDetected,
  SensorReadingRecorded,
} from '@ipmi-monitor/schemas';
import type { DriverCommand, DriverResult } from '../drivers/types.js';
import { hashId, toReadingEvent, toSelEvent, wallClockAsUtc } from '../events/model.js';
import { decideSel, isClearEntry, selEventId, type SelCursor, type SelInfo } from '../sel/model.js';
import type { JobResult, PollJob } from '../schedule/model.js';

/** What the tools printed for one job, by command (absent: not run). */
export type JobReads = Partial<Record<JobRead, DriverResult>>;
export type JobRead = DriverCommand | 'selFull';

/** The SEL cursor as the collector holds it: bound to the BMC it was read from. */
export interface HeldCursor {
  readonly bmc: string;
  readonly cursor: SelCursor;
}

/** BMC clock minus collector clock, and when it was measured. */
export interface ClockOffset {
  readonly offsetMs: number;
  readonly measuredAt: number;
}

export interface JobContext {
  readonly job: PollJob;
  /** One poll id per kind of the job (ids are made at the edge: they are random). */
  readonly pollIds: Readonly<Partial<Record<PollKind, string>>>;
  readonly driver: DriverSymbol;
  readonly driverVersion: string | null;
  /** `collector@<host>`. */
  readonly source: string;
  /** Collector clock when the job's tools finished. */
  readonly finishedAt: number;
  readonly cursor: HeldCursor | null;
  readonly clock: ClockOffset | null;
  readonly overrides?: readonly SeverityRule[] | undefined;
  /**
   * Set when the job could not start its tools (no credentials stored for the server, or
   * older ones than its configuration announces): every kind fails with this code.
   */
  readonly preflightError?:
    | {
        readonly code: string;
        readonly message: string;
        /** False for the collector's own failures: they say nothing about the BMC. */
        readonly blamesBmc: boolean;
      }
    | undefined;
}

/** Events of one job, by topic; the handler sends them in one transaction. */
export interface JobEvents {
  readonly readings: SensorReadingRecorded[];
  readonly sel: (
    | { type: 'SelEntryRecorded'; value: SelEntryRecorded }
    | { type: 'SelCleared'; value: SelCleared }
    | { type: 'SelOverflowDetected'; value: SelOverflowDetected }
  )[];
  readonly polls: (
    | { type: 'PollCompleted'; value: PollCompleted }
    | { type: 'ChassisPowerObserved'; value: ChassisPowerObserved }
    | { type: 'BmcReachabilityChanged'; value: BmcReachabilityChanged }
  )[];
  readonly inventory: InventoryCollected[];
  readonly cursors: SelCursorSaved[];
}

export interface JobOutcome {
  readonly events: JobEvents;
  /** For schedule/model.ts `completed` (its reachability events are added by the handler). */
  readonly result: JobResult;
  /** The cursor to hold after this job (unchanged when the SEL was not read). */
  readonly cursor: HeldCursor | null;
  readonly clock: ClockOffset | null;
  /** Parse problems worth a log line (bad lines are counted in itemsFailed, not dropped silently). */
  readonly issues: readonly { read: JobRead; issue: ParseIssue }[];
}

/** Codes that say the session itself failed: later commands of the job would fail the same way. */
const SESSION_CODES: Readonly<Record<string, ReachabilityReason>> = {
  COL_BMC_TIMEOUT: 'TIMEOUT',
  COL_BMC_AUTH: 'AUTH',
  COL_BMC_REFUSED: 'REFUSED',
  COL_BMC_PROTOCOL: 'PROTOCOL',
};

/** A failure after which running the job's next command only costs another deadline. */
export function isConclusiveFailure(r: DriverResult): boolean {
  const code = r.error?.code;
  return code === 'COL_BMC_TIMEOUT' || code === 'COL_BMC_AUTH' || code === 'COL_BMC_REFUSED';
}

/** Whether the SEL follow-up (info, clock, full re-read) is needed after a SEL read. */
export interface SelFollowUp {
  readonly info: boolean;
  readonly clock: boolean;
  /** The range read lost the cursor (clear suspected): read the whole SEL. */
  readonly full: boolean;
}

/** How old a BMC clock measurement may get before SEL timestamps need a fresh one. */
export const CLOCK_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Decides which SEL commands to add after the cheap range read. Get SEL Info and Get SEL
 * Time cost a process (or fan-out slot) each, so they run only when the read found
 * something: new entries (the SEL may now be full; their timestamps need the clock offset),
 * a lost cursor (a clear: the info tells how), or a first read.
 */
export function selFollowUp(
  read: DriverResult,
  held: HeldCursor | null,
  bmc: string,
  clock: ClockOffset | null,
  now: number,
): SelFollowUp {
  if (!read.ok && read.stdout.trim() === '') return { info: false, clock: false, full: false };
  const parsed = parseSelRead(read);
  const cursor = held !== null && held.bmc === bmc ? held.cursor : null;
  const clockStale = clock === null || now - clock.measuredAt > CLOCK_MAX_AGE_MS;
  if (cursor === null) return { info: true, clock: clockStale, full: false };
  const d = decideSel(cursor, parsed.records, null);
  const lost = d.cleared !== null;
  const something = lost || d.fresh.length > 0;
  return {
    info: something,
    clock: something && clockStale,
    // A range read starts at the last record id; after a clear the new ids may all be lower.
    full: lost && read.args.some((a) => a.startsWith('--display-range')),
  };
}

// selFollowUp (during the round) and decideJob (after it) read the same SEL output; parsing
// it once per result halves the SEL parse cost on the busiest path.
const parsedSel = new WeakMap<DriverResult, ReturnType<typeof parseDetailed<'freeipmi-sel'>>>();

function parseSelRead(r: DriverResult) {
  let parsed = parsedSel.get(r);
  if (parsed === undefined) {
    parsed =
      r.format === 'ipmitool-sel-elist'
        ? parseDetailed('ipmitool-sel-elist', r.stdout)
        : parseDetailed('freeipmi-sel', r.stdout);
    parsedSel.set(r, parsed);
  }
  return parsed;
}

interface KindTally {
  itemsRead: number;
  itemsFailed: number;
  error: { code: string; message: string } | null;
  /** Nothing usable came back. */
  failed: boolean;
}

function errorOf(r: DriverResult): { code: string; message: string } | null {
  return r.error === null ? null : { code: r.error.code, message: r.error.message };
}

/** Collector clock of a BMC clock reading: the middle of the command is the best guess. */
export function measureClock(r: DriverResult, finishedAt: number): ClockOffset | null {
  if (!r.ok) return null;
  const parsed =
    r.format === 'ipmitool-sel-time'
      ? parseDetailed('ipmitool-sel-time', r.stdout)
      : parseDetailed('freeipmi-sel-time', r.stdout);
  const first: ParsedBmcClock | undefined = parsed.records[0];
  if (first?.timestamp == null) return null;
  const bmc = wallClockAsUtc(first.timestamp);
  if (bmc === null) return null;
  const ours = finishedAt - Math.round(r.durationMs / 2);
  // SEL time has one-second resolution and the reading takes a round trip, so a clock
  // within about a second of ours is in sync; calling that 0 keeps synced BMCs' SEL
  // timestamps exact instead of smeared by up to a second of measurement noise.
  const raw = bmc - ours;
  const offsetMs = Math.abs(raw) <= 1500 ? 0 : Math.round(raw / 1000) * 1000;
  return { offsetMs, measuredAt: finishedAt };
}

function parseSelInfo(r: DriverResult | undefined): { info: SelInfo; raw: ParsedSelInfo } | null {
  if (r === undefined || !r.ok) return null;
  const parsed =
    r.format === 'ipmitool-sel-info'
      ? parseDetailed('ipmitool-sel-info', r.stdout)
      : parseDetailed('freeipmi-sel-info', r.stdout);
  const raw = parsed.records[0];
  if (raw === undefined) return null;
  return {
    info: {
      entries: raw.entries,
      lastEraseRaw: raw.lastEraseRaw,
      overflow: raw.overflow ?? false,
    },
    raw,
  };
}

/** Tool output → events, for one finished job. */
export function decideJob(reads: JobReads, ctx: JobContext): JobOutcome {
  const { job } = ctx;
  const serverId = job.serverId;
  const at = ctx.finishedAt;
  const envelope = (kind: PollKind) => ({
    serverId,
    occurredAt: at,
    observedAt: at,
    source: ctx.source,
    pollId: ctx.pollIds[kind] ?? hashId(job.jobId, kind),
  });
  const events: JobEvents = { readings: [], sel: [], polls: [], inventory: [], cursors: [] };
  const issues: { read: JobRead; issue: ParseIssue }[] = [];
  const tallies = new Map<PollKind, KindTally>();
  let cursor = ctx.cursor;
  let clock = ctx.clock;

  const tally = (kind: PollKind): KindTally => {
    let t = tallies.get(kind);
    if (t === undefined) {
      t = { itemsRead: 0, itemsFailed: 0, error: null, failed: false };
      tallies.set(kind, t);
    }
    return t;
  };
  const noteIssues = (read: JobRead, list: readonly ParseIssue[], t: KindTally) => {
    for (const issue of list) issues.push({ read, issue });
    t.itemsFailed += list.length;
    if (list.length > 0 && t.error === null) {
      const first = list[0] as ParseIssue;
      t.error = { code: first.code, message: `line ${first.line}: ${first.message}` };
    }
  };
  const commandFailed = (r: DriverResult, t: KindTally) => {
    t.error ??= errorOf(r);
  };

  if (ctx.preflightError !== undefined) {
    for (const kind of job.kinds) {
      tally(kind).failed = true;
      tally(kind).error = { code: ctx.preflightError.code, message: ctx.preflightError.message };
    }
  }

  // --- SENSORS ---------------------------------------------------------------------------
  if (job.kinds.includes('SENSORS')) {
    const t = tally('SENSORS');
    const r = reads.sensors;
    if (r === undefined) t.failed = true;
    else {
      const parsed =
        r.format === 'ipmitool-sensor'
          ? parseDetailed('ipmitool-sensor', r.stdout, { overrides: ctx.overrides ?? [] })
          : parseDetailed('freeipmi-sensors', r.stdout, { overrides: ctx.overrides ?? [] });
      const pctx = { ...envelope('SENSORS') };
      for (const rec of parsed.records as readonly ParsedSensorReading[]) {
        events.readings.push(toReadingEvent(rec, pctx));
      }
      t.itemsRead = parsed.records.length;
      if (!r.ok) commandFailed(r, t);
      noteIssues('sensors', parsed.issues, t);
      t.failed = parsed.records.length === 0 && (!r.ok || parsed.issues.length > 0);
    }
  }

  // --- SEL -------------------------------------------------------------------------------
  if (job.kinds.includes('SEL')) {
    const t = tally('SEL');
    const full = reads.selFull?.ok === true ? reads.selFull : undefined;
    const r = full ?? reads.sel;
    if (reads.selTime !== undefined) {
      clock = measureClock(reads.selTime, at) ?? clock;
    }
    if (r === undefined || (!r.ok && r.stdout.trim() === '')) {
      t.failed = true;
      if (r !== undefined) commandFailed(r, t);
    } else {
      const parsed = parseSelRead(r);
      const entries = parsed.records as readonly ParsedSelEntry[];
      noteIssues(full !== undefined ? 'selFull' : 'sel', parsed.issues, t);
      if (!r.ok) commandFailed(r, t);
      const held = cursor !== null && cursor.bmc === job.bmc ? cursor.cursor : null;
      const info = parseSelInfo(reads.selInfo);
      const decision = decideSel(held, entries, info?.info ?? null);
      const base = envelope('SEL');
      if (decision.cleared !== null) {
        const clearEntry = entries.find(isClearEntry);
        events.sel.push({
          type: 'SelCleared',
          value: {
            ...base,
            eventId: hashId(
              'SelCleared',
              serverId,
              decision.cleared.previousLastRecordId,
              info?.info.lastEraseRaw ?? base.pollId,
            ),
            detectedBy: decision.cleared.detectedBy,
            previousLastRecordId: decision.cleared.previousLastRecordId,
            previousEntryCount: decision.cleared.previousEntryCount,
            entryCount: info?.info.entries ?? entries.length,
            eraseTimestampRaw: info?.info.lastEraseRaw ?? null,
            clearEntryEventId: clearEntry === undefined ? null : selEventId(serverId, clearEntry),
            actor: null,
          },
        });
      }
      const selCtx = { ...base, clockOffsetMs: clock?.offsetMs ?? null };
      for (const e of decision.fresh) {
        events.sel.push({ type: 'SelEntryRecorded', value: toSelEvent(e, selCtx) });
      }
      if (decision.overflowStarted) {
        events.sel.push({
          type: 'SelOverflowDetected',
          value: {
            ...base,
            eventId: hashId('SelOverflowDetected', serverId, base.pollId),
            detectedBy: 'OVERFLOW_FLAG_SET',
            entryCount: info?.raw.entries ?? null,
            freeBytes: info?.raw.freeBytes ?? null,
            lastRecordId: entries.at(-1)?.recordNumber ?? null,
            overflowFlag: true,
          },
        });
      }
      t.itemsRead = decision.fresh.length;
      t.failed = entries.length === 0 && parsed.issues.length > 0;
      const next = decision.cursor;
      const changed = held === null || JSON.stringify(held) !== JSON.stringify(next);
      cursor = { bmc: job.bmc, cursor: next };
      if (changed) {
        events.cursors.push({
          ...base,
          pollId: base.pollId,
          eventId: hashId('SelCursorSaved', serverId, base.pollId),
          bmc: job.bmc,
          tail: [...next.tail],
          lastRecordId: next.lastRecordNumber,
          entryCount: next.entryCount,
          lastEraseRaw: next.lastEraseRaw,
          overflow: next.overflow,
          clears: next.clears,
        });
      }
    }
  }

  // --- POWER -----------------------------------------------------------------------------
  if (job.kinds.includes('POWER')) {
    const t = tally('POWER');
    const chassis = reads.chassisStatus;
    const dcmi = reads.dcmiPower;
    const status = chassis?.ok === true ? firstRecord<ParsedChassisStatus>(chassis) : null;
    const power = dcmi?.ok === true ? firstRecord<ParsedPowerReading>(dcmi) : null;
    if (chassis !== undefined && !chassis.ok) commandFailed(chassis, t);
    if (status === null && power === null) {
      t.failed = true;
    } else {
      const valid = power?.active === true;
      events.polls.push({
        type: 'ChassisPowerObserved',
        value: {
          ...envelope('POWER'),
          eventId: hashId('ChassisPowerObserved', serverId, envelope('POWER').pollId),
          powerState: status?.powerOn == null ? 'UNKNOWN' : status.powerOn ? 'ON' : 'OFF',
          powerFault: status?.powerFault ?? null,
          powerOverload: status?.powerOverload ?? null,
          coolingFault: status?.coolingFault ?? null,
          driveFault: status?.driveFault ?? null,
          chassisIntrusion: status?.chassisIntrusion ?? null,
          dcmiWatts: valid ? (power?.currentWatts ?? null) : null,
          dcmiMinWatts: valid ? (power?.minWatts ?? null) : null,
          dcmiMaxWatts: valid ? (power?.maxWatts ?? null) : null,
          dcmiAvgWatts: valid ? (power?.avgWatts ?? null) : null,
          dcmiSamplingPeriodMs:
            valid && power?.samplingPeriodSeconds != null
              ? power.samplingPeriodSeconds * 1000
              : null,
        },
      });
      t.itemsRead = 1;
      if (status === null) t.itemsFailed += 1;
    }
  }

  // --- INVENTORY -------------------------------------------------------------------------
  if (job.kinds.includes('INVENTORY')) {
    const t = tally('INVENTORY');
    const info = reads.bmcInfo?.ok === true ? firstRecord<ParsedBmcInfo>(reads.bmcInfo) : null;
    const fruRead = reads.fru;
    const fru =
      fruRead !== undefined && fruRead.stdout.trim() !== ''
        ? (parseDetailed(
            fruRead.format === 'ipmitool-fru' ? 'ipmitool-fru' : 'freeipmi-fru',
            fruRead.stdout,
          ).records as readonly ParsedFruDevice[])
        : [];
    if (reads.bmcInfo !== undefined && !reads.bmcInfo.ok) commandFailed(reads.bmcInfo, t);
    if (fruRead !== undefined && !fruRead.ok && fru.length === 0) commandFailed(fruRead, t);
    if (info === null && fru.length === 0) {
      t.failed = true;
    } else {
      const value = toInventory(info, fru);
      const base = envelope('INVENTORY');
      events.inventory.push({
        ...base,
        eventId: hashId('InventoryCollected', serverId, base.pollId),
        contentHash: hashId(JSON.stringify(value)),
        ...value,
      });
      t.itemsRead = fru.filter((d) => d.error === null).length + (info === null ? 0 : 1);
      t.itemsFailed = fru.filter((d) => d.error !== null).length + (info === null ? 1 : 0);
    }
  }

  // --- REACHABILITY ----------------------------------------------------------------------
  if (job.kinds.includes('REACHABILITY')) {
    const t = tally('REACHABILITY');
    const r = reads.bmcInfo;
    if (r?.ok === true) t.itemsRead = 1;
    else {
      t.failed = true;
      if (r !== undefined) commandFailed(r, t);
    }
  }

  // --- PollCompleted per kind and the job result ------------------------------------------
  for (const [kind, t] of tallies) {
    const base = envelope(kind);
    events.polls.push({
      type: 'PollCompleted',
      value: {
        ...base,
        eventId: hashId('PollCompleted', base.pollId),
        kind,
        outcome: t.failed ? 'FAILED' : t.itemsFailed > 0 || t.error !== null ? 'PARTIAL' : 'OK',
        startedAt: job.startedAt,
        durationMs: Math.max(0, Math.round(at - job.startedAt)),
        itemsRead: t.itemsRead,
        itemsFailed: t.itemsFailed,
        errorCode: t.error?.code ?? (t.failed ? 'COL_TOOL_FAILED' : null),
        errorMessage: t.error?.message ?? null,
        driver: ctx.driver,
        driverVersion: ctx.driverVersion,
      },
    });
  }

  return {
    events,
    result: jobResult(reads, ctx),
    cursor,
    clock,
    issues,
  };
}

function firstRecord<T>(r: DriverResult): T | null {
  const parsed = parseDetailed(r.format, r.stdout);
  return (parsed.records[0] as T | undefined) ?? null;
}

/**
 * The session worked when any command of the job got an answer. When none did, the first
 * conclusive failure (timeout, refused, auth) names the reason, else the first failure.
 */
function jobResult(reads: JobReads, ctx: JobContext): JobResult {
  if (ctx.preflightError?.blamesBmc === false) {
    return { jobId: ctx.job.jobId, serverId: ctx.job.serverId, outcome: 'ok', pollId: null };
  }
  if (ctx.preflightError !== undefined) {
    return {
      jobId: ctx.job.jobId,
      serverId: ctx.job.serverId,
      outcome: 'failed',
      // Missing credentials is a login problem the operator fixes like a wrong password.
      errorReason: 'AUTH',
      message: `${ctx.preflightError.code}: ${ctx.preflightError.message}`,
      pollId: ctx.pollIds[ctx.job.kinds[0] as PollKind] ?? null,
    };
  }
  const all = Object.values(reads).filter((r): r is DriverResult => r !== undefined);
  const pollId = ctx.pollIds[ctx.job.kinds[0] as PollKind] ?? null;
  if (all.some((r) => r.ok || (r.error !== null && !(r.error.code in SESSION_CODES)))) {
    return { jobId: ctx.job.jobId, serverId: ctx.job.serverId, outcome: 'ok', pollId };
  }
  // A BMC that stops answering mid-command can leave a protocol-looking error (an SDR read
  // cut short); when a later command of the job then timed out or was refused, that is the
  // reason an operator needs.
  const first = all.find(isConclusiveFailure) ?? all.find((r) => r.error !== null);
  return {
    jobId: ctx.job.jobId,
    serverId: ctx.job.serverId,
    outcome: 'failed',
    errorReason: first?.error ? (SESSION_CODES[first.error.code] ?? 'UNKNOWN') : 'UNKNOWN',
    message: first?.error?.message ?? 'no command of the poll ran',
    pollId,
  };
}

type InventoryFields = Omit<
  InventoryCollected,
  'eventId' | 'serverId' | 'occurredAt' | 'observedAt' | 'source' | 'pollId' | 'contentHash'
>;

function toInventory(info: ParsedBmcInfo | null, fru: readonly ParsedFruDevice[]): InventoryFields {
  const present = fru.filter((d) => d.error === null);
  const pick = (f: (d: ParsedFruDevice) => string | null): string | null => {
    for (const d of present) {
      const v = f(d);
      if (v !== null && v !== '') return v;
    }
    return null;
  };
  return {
    bmcFirmwareVersion: info?.firmwareVersion ?? null,
    ipmiVersion: info?.ipmiVersion ?? null,
    bmcManufacturerId: info?.manufacturerId ?? null,
    bmcProductId: info?.productId ?? null,
    bmcMacAddress: null,
    manufacturer: pick((d) => d.productManufacturer ?? d.boardManufacturer),
    productName: pick((d) => d.productName ?? d.boardProductName),
    productPartNumber: pick((d) => d.productPartNumber),
    productSerial: pick((d) => d.productSerial),
    boardSerial: pick((d) => d.boardSerial),
    chassisSerial: pick((d) => d.chassisSerial),
    systemGuid: info?.guid ?? null,
    fru: present.map((d) => ({ fruId: d.fruId ?? 0, name: d.name, fields: { ...d.fields } })),
  };
}
