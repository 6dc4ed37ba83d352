import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectorErrors } from '../errors.js';
import type { DriverCommand, DriverResult, IpmiFormat } from '../drivers/types.js';
import type { PollJob } from '../schedule/model.js';
import { decideJob, measureClock, selFollowUp, type JobContext, type JobReads } from './model.js';

const SENSORS = [
  'ID,Name,Type,State,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,Event',
  "2,CPU Temp,Temperature,Nominal,45.00,C,N/A,N/A,N/A,80.00,90.00,100.00,'OK'",
  "4,FAN1,Fan,Critical,500.00,RPM,300.00,600.00,1000.00,N/A,N/A,N/A,'At or Below (<=) Lower Critical Threshold'",
].join('\n');

const SEL_HEADER = 'ID,Date,Time,Name,Type,State,Event Direction,Event';
const selLine = (id: number, event = 'Correctable memory error') =>
  `${id},Nov-28-2026,15:58:${String(10 + id).padStart(2, '0')},DIMM A1,Memory,Warning,Assertion Event,${event}`;

function result(
  command: DriverCommand,
  format: IpmiFormat,
  stdout: string,
  error: DriverResult['error'] = null,
  args: string[] = [],
): DriverResult {
  return {
    command,
    tool: 'tool',
    args,
    stdout,
    stderr: '',
    exitCode: error === null ? 0 : 1,
    durationMs: 40,
    format,
    host: '10.0.0.1',
    port: 623,
    ok: error === null,
    error,
    timedOut: false,
    attempts: 1,
    via: 'single',
  };
}

const job = (kinds: PollJob['kinds']): PollJob => ({
  jobId: 'j1',
  serverId: 's1',
  bmc: '10.0.0.1:623',
  kinds,
  startedAt: 1_000,
});

const ctx = (j: PollJob, over: Partial<JobContext> = {}): JobContext => ({
  job: j,
  pollIds: {
    SENSORS: 'p-sensors',
    SEL: 'p-sel',
    POWER: 'p-power',
    INVENTORY: 'p-inv',
    REACHABILITY: 'p-reach',
  },
  driver: 'FREEIPMI',
  driverVersion: 'FreeIPMI 1.6.14',
  source: 'collector@test',
  finishedAt: 1_250,
  cursor: null,
  clock: null,
  ...over,
});

const pollOf = (events: ReturnType<typeof decideJob>['events'], kind: string) =>
  events.polls.find((e) => e.type === 'PollCompleted' && e.value.kind === kind)?.value as
    | {
        outcome: string;
        itemsRead: number;
        itemsFailed: number;
        errorCode: string | null;
        durationMs: number;
      }
    | undefined;

test('a sensors poll publishes one reading per sensor and an OK PollCompleted', () => {
  const out = decideJob(
    { sensors: result('sensors', 'freeipmi-sensors', SENSORS) },
    ctx(job(['SENSORS'])),
  );
  assert.equal(out.events.readings.length, 2);
  const fan = out.events.readings.find((r) => r.sensorName === 'FAN1');
  assert.equal(fan?.state, 'CRITICAL');
  assert.equal(fan?.thresholds?.lcr, 600);
  assert.equal(fan?.pollId, 'p-sensors');
  const poll = pollOf(out.events, 'SENSORS');
  assert.deepEqual(
    { outcome: poll?.outcome, itemsRead: poll?.itemsRead, durationMs: poll?.durationMs },
    { outcome: 'OK', itemsRead: 2, durationMs: 250 },
  );
  assert.equal(out.result.outcome, 'ok');
});

test('a line that does not parse makes the poll PARTIAL and is counted, the rest published', () => {
  const out = decideJob(
    { sensors: result('sensors', 'freeipmi-sensors', `${SENSORS}\nthis is not a sensor line`) },
    ctx(job(['SENSORS'])),
  );
  assert.equal(out.events.readings.length, 2);
  const poll = pollOf(out.events, 'SENSORS');
  assert.equal(poll?.outcome, 'PARTIAL');
  assert.equal(poll?.itemsFailed, 1);
  assert.equal(out.issues.length, 1);
});

test('SEL: the first read publishes the history and a cursor; the same SEL again publishes nothing', () => {
  const sel = [SEL_HEADER, selLine(1), selLine(2)].join('\n');
  const first = decideJob({ sel: result('sel', 'freeipmi-sel', sel) }, ctx(job(['SEL'])));
  const entries = first.events.sel.filter((e) => e.type === 'SelEntryRecorded');
  assert.equal(entries.length, 2);
  assert.equal(first.events.cursors.length, 1);
  assert.equal(first.events.cursors[0]?.lastRecordId, 2);
  assert.equal(first.cursor?.bmc, '10.0.0.1:623');

  const again = decideJob(
    { sel: result('sel', 'freeipmi-sel', sel) },
    ctx(job(['SEL']), { cursor: first.cursor }),
  );
  assert.equal(again.events.sel.length, 0);
  assert.equal(again.events.cursors.length, 0, 'an unchanged cursor is not re-published');
  assert.equal(pollOf(again.events, 'SEL')?.itemsRead, 0);

  const more = decideJob(
    { sel: result('sel', 'freeipmi-sel', [SEL_HEADER, selLine(2), selLine(3)].join('\n')) },
    ctx(job(['SEL']), { cursor: first.cursor }),
  );
  const fresh = more.events.sel.filter((e) => e.type === 'SelEntryRecorded');
  assert.equal(fresh.length, 1, 'only the entry after the cursor');
  assert.equal(more.events.cursors[0]?.lastRecordId, 3);
  // Event ids are content hashes: re-reading the same entry without a cursor gives the same id.
  const ids = (o: ReturnType<typeof decideJob>) =>
    o.events.sel.flatMap((e) => (e.type === 'SelEntryRecorded' ? [e.value.eventId] : []));
  assert.equal(
    ids(more)[0],
    ids(
      decideJob(
        { sel: result('sel', 'freeipmi-sel', [SEL_HEADER, selLine(3)].join('\n')) },
        ctx(job(['SEL'])),
      ),
    )[0],
  );
});

test('SEL: a cursor from another BMC is not used (server moved): the whole SEL is new', () => {
  const sel = [SEL_HEADER, selLine(1)].join('\n');
  const first = decideJob({ sel: result('sel', 'freeipmi-sel', sel) }, ctx(job(['SEL'])));
  const moved = decideJob(
    { sel: result('sel', 'freeipmi-sel', sel) },
    ctx({ ...job(['SEL']), bmc: '10.0.0.2:623' }, { cursor: first.cursor }),
  );
  assert.equal(moved.events.sel.filter((e) => e.type === 'SelEntryRecorded').length, 1);
});

test('SEL: entries that no longer contain the cursor mean a clear: SelCleared, then the new entries', () => {
  const first = decideJob(
    { sel: result('sel', 'freeipmi-sel', [SEL_HEADER, selLine(1), selLine(2)].join('\n')) },
    ctx(job(['SEL'])),
  );
  const after = decideJob(
    {
      sel: result(
        'sel',
        'freeipmi-sel',
        [SEL_HEADER, selLine(1, 'Uncorrectable memory error')].join('\n'),
      ),
    },
    ctx(job(['SEL']), { cursor: first.cursor }),
  );
  const types = after.events.sel.map((e) => e.type);
  assert.deepEqual(types, ['SelCleared', 'SelEntryRecorded']);
});

test('selFollowUp asks for SEL info and the clock only when the read found something', () => {
  const sel = [SEL_HEADER, selLine(1)].join('\n');
  const r = result('sel', 'freeipmi-sel', sel, null, ['--display-range=1-65534']);
  assert.deepEqual(selFollowUp(r, null, 'b', null, 0), { info: true, clock: true, full: false });
  const held = decideJob({ sel: r }, ctx(job(['SEL']))).cursor;
  const clock = { offsetMs: 0, measuredAt: 0 };
  assert.deepEqual(selFollowUp(r, held, '10.0.0.1:623', clock, 1000), {
    info: false,
    clock: false,
    full: false,
  });
  const lost = result('sel', 'freeipmi-sel', '', null, ['--display-range=1-65534']);
  assert.deepEqual(selFollowUp(lost, held, '10.0.0.1:623', clock, 1000), {
    info: true,
    clock: false,
    full: true,
  });
});

test('a BMC that times out fails the job with TIMEOUT and every kind FAILED with the code', () => {
  const timeout = collectorErrors.error('COL_BMC_TIMEOUT', 'no answer within 3000 ms');
  const out = decideJob(
    { sensors: result('sensors', 'freeipmi-sensors', '', timeout) },
    ctx(job(['SENSORS', 'SEL'])),
  );
  assert.equal(out.result.outcome, 'failed');
  assert.equal(out.result.errorReason, 'TIMEOUT');
  assert.equal(pollOf(out.events, 'SENSORS')?.errorCode, 'COL_BMC_TIMEOUT');
  assert.equal(pollOf(out.events, 'SEL')?.outcome, 'FAILED');
  assert.equal(out.events.readings.length, 0);
});

test('a failed DCMI read in a working session keeps the BMC up and the power poll published', () => {
  const reads: JobReads = {
    chassisStatus: result(
      'chassisStatus',
      'freeipmi-chassis-status',
      'System Power                        : on\nPower overload                      : false\n',
    ),
    dcmiPower: result(
      'dcmiPower',
      'freeipmi-dcmi',
      '',
      collectorErrors.error('COL_BMC_PROTOCOL', 'DCMI not supported'),
    ),
  };
  const out = decideJob(reads, ctx(job(['POWER'])));
  assert.equal(out.result.outcome, 'ok');
  const power = out.events.polls.find((e) => e.type === 'ChassisPowerObserved');
  assert.equal(power?.type === 'ChassisPowerObserved' && power.value.powerState, 'ON');
  assert.equal(power?.type === 'ChassisPowerObserved' && power.value.dcmiWatts, null);
});

test('missing credentials fail the job as AUTH without running anything', () => {
  const out = decideJob(
    {},
    ctx(job(['SENSORS']), {
      preflightError: {
        code: 'COL_CRED_NOT_FOUND',
        message: 'no credentials stored for s1',
        blamesBmc: true,
      },
    }),
  );
  assert.equal(out.result.outcome, 'failed');
  assert.equal(out.result.errorReason, 'AUTH');
  assert.equal(pollOf(out.events, 'SENSORS')?.errorCode, 'COL_CRED_NOT_FOUND');
});

test('measureClock: a BMC within a second and a half of us is in sync; others are whole seconds off', () => {
  const at = Date.parse('2026-11-28T12:00:00.000Z');
  const read = (printed: string) => result('selTime', 'ipmitool-sel-time', `${printed}\n`);
  assert.equal(measureClock(read('11/28/2026 12:00:01'), at)?.offsetMs, 0);
  assert.equal(measureClock(read('11/28/2026 13:00:00'), at)?.offsetMs, 3_600_000);
  assert.equal(measureClock(read('11/28/2026 11:59:50'), at)?.offsetMs, -10_000);
});

test('an internal failure reports the polls FAILED but leaves the BMC reachability alone', () => {
  const out = decideJob(
    {},
    ctx(job(['SENSORS', 'SEL']), {
      preflightError: { code: 'COL_INTERNAL', message: 'boom', blamesBmc: false },
    }),
  );
  assert.equal(out.result.outcome, 'ok');
  assert.equal(pollOf(out.events, 'SEL')?.outcome, 'FAILED');
  assert.equal(pollOf(out.events, 'SEL')?.errorCode, 'COL_INTERNAL');
  assert.equal(out.events.cursors.length, 0);
});

test('a protocol error followed by a timeout in the same job is reported as TIMEOUT', () => {
  const out = decideJob(
    {
      sensors: result(
        'sensors',
        'freeipmi-sensors',
        '',
        collectorErrors.error('COL_BMC_PROTOCOL', 'internal IPMI error'),
      ),
      sel: result('sel', 'freeipmi-sel', '', collectorErrors.error('COL_BMC_TIMEOUT', 'timeout')),
    },
    ctx(job(['SENSORS', 'SEL'])),
  );
  assert.equal(out.result.outcome, 'failed');
  assert.equal(out.result.errorReason, 'TIMEOUT');
});
