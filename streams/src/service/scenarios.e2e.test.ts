/**
 * End to end, hardware to alert: simulated BMCs (ipmi_sim) → `ipmi-monitor collector` →
 * Kafka → `ipmi-monitor streams` → ipmi.alerts.v1 / ipmi.insights.v1, as processes configured
 * by environment only. One BMC per scenario, all at once:
 *
 *   1. a fan slowly degrading         → one fan-degradation trend, no alert (still above LNC)
 *   2. an ECC storm on one DIMM       → one SEL_MEMORY_ECC alert, one replace-DIMM task
 *   3. a PSU pulled and reinserted    → one PART_REMOVED alert, raised then resolved
 *   4. a temperature excursion        → one SENSOR_THRESHOLD alert, raised then resolved
 *   5. a BMC going dark and back      → one BMC_UNREACHABLE alert, raised then resolved
 *
 * and nothing else on any server. The insight rules run on a compressed clock
 * (IPMI_INSIGHT_TUNING: 5 s buckets instead of an hour, windows of a few buckets), the way an
 * operator's days of readings would drive them; predictions are turned off here (a line
 * through a minute of readings says nothing) and covered by the unit tests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSeam, createMetricsRegistry, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import { fleetServersYaml, startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';

const main = new URL('../../../cli/src/main.ts', import.meta.url).pathname;
const logDir = join(process.cwd(), '.state', 'test-logs');
mkdirSync(logDir, { recursive: true });
const prefix = testPrefix();
const serverId = (i: number) => `scn-${i}`;
const FAN = 1;
const ECC = 2;
const PSU = 3;
const TEMP = 4;
const DARK = 5;

let work: string;
let fleet: Fleet;
let seam: Seam;
const children: ChildProcess[] = [];

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IPMI_TOPIC_PREFIX: prefix,
    IPMI_STATE_DIR: work,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function run(name: string, args: string[], extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=ipmi-source', '--import', 'tsx', main, ...args],
    {
      env: env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(join(logDir, `scenarios-${name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.push(child);
  return child;
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

type Lifecycle = { type: string; serverId: string; key: string; detail: Record<string, unknown> };

async function alerts(): Promise<Lifecycle[]> {
  return (await seam.readAll('ipmi.alerts.v1')).map((m) => {
    const v = m.event.value as Record<string, unknown> & { serverId: string };
    return {
      type: m.event.type,
      serverId: v.serverId,
      key: `${String(v.condition)} ${String(v.component)}`,
      detail: v,
    };
  });
}

async function insights(): Promise<Lifecycle[]> {
  return (await seam.readAll('ipmi.insights.v1')).map((m) => {
    const v = m.event.value as Record<string, unknown> & { serverId: string };
    return {
      type: m.event.type,
      serverId: v.serverId,
      key: `${String(v.detector)} ${String(v.component)}`,
      detail: v,
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'scenarios-e2e-'));
  fleet = await startFleet({
    count: 5,
    basePort: 18700,
    consoleBase: 19700,
    home: join(work, 'fleet'),
  });
  await fleet.setSensor(FAN, 'FAN1', 6000, { event: false });
  await fleet.setSensor(TEMP, 'CPU Temp', 45, { event: false });
  seam = await connectSeam({
    ...stackEnv(),
    clientId: 'scenarios-e2e',
    logger: testLogger('scenarios-e2e'),
    metrics: createMetricsRegistry({ service: 'scenarios-e2e' }),
    topicPrefix: prefix,
  });
  await seam.ensureTopics();
});

// However this file ends (a failed assertion, the runner's budget), no service outlives it.
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await seam?.close();
  await fleet?.stopAll();
  await rm(work, { recursive: true, force: true });
});

test('five hardware scenarios give exactly their alerts and insights', async () => {
  const yaml = fleetServersYaml(fleet.bmcs, {
    serverId: (b) => serverId(b.index),
    intervals: { sensors: '5s', sel: '5s', power: '5s', inventory: 'off' },
  });
  await writeFile(join(work, 'servers.yaml'), yaml, { mode: 0o600 });
  const imported = run('import', ['import', join(work, 'servers.yaml')]);
  assert.equal(await exitOf(imported), 0, 'import');

  run('collector', ['collector'], { IPMI_COLLECTOR_ID: `scn-${prefix}` });
  run('streams', ['streams'], {
    IPMI_STREAMS_ID: 'scn',
    IPMI_INSIGHT_TUNING: JSON.stringify({
      bucketMs: 5000,
      baselineBuckets: 6,
      minBaselineBuckets: 4,
      recentBuckets: 5,
      minRecentBuckets: 5,
      minPredictPoints: 100000,
    }),
  });

  // Every server read at least once before the scenarios start.
  await eventually(
    async () => {
      const seen = new Set(
        (await seam.readAll('ipmi.readings.v1')).map(
          (m) => (m.event.value as { serverId: string }).serverId,
        ),
      );
      return seen.size === 5 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: 'readings from all five servers' },
  );

  // 2. An ECC storm on one DIMM: eight correctable errors.
  await fleet.addSel(ECC, 'ecc', 8);
  // 3. A PSU pulled: presence gone, a SEL deassertion; reinserted a little later.
  await fleet.setSensor(PSU, 'PSU1 Status', 0b0);
  // 4. A temperature excursion above UCR (90 C), back once the alert is out.
  await fleet.setSensor(TEMP, 'CPU Temp', 95);
  // 5. A BMC going dark.
  await fleet.stop(DARK);

  await eventually(
    async () =>
      (await alerts()).some((a) => a.serverId === serverId(TEMP) && a.type === 'AlertRaised')
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 1000, what: 'the temperature alert' },
  );
  await fleet.setSensor(TEMP, 'CPU Temp', 45);
  await eventually(
    async () =>
      (await alerts()).some((a) => a.serverId === serverId(DARK) && a.type === 'AlertRaised')
        ? true
        : undefined,
    { timeoutMs: 90_000, intervalMs: 1000, what: 'the BMC-unreachable alert' },
  );
  await fleet.restart(DARK);
  await fleet.setSensor(PSU, 'PSU1 Status', 0b1);

  // 1. The fan slows down in steps over ~15 s, to 27% below its baseline (LNC is 1000 RPM).
  for (const rpm of [5600, 5000, 4400]) {
    await fleet.setSensor(FAN, 'FAN1', rpm, { event: false });
    await sleep(5000);
  }

  const expectedAlerts = new Map<string, string[]>([
    [serverId(ECC), ['SEL_MEMORY_ECC']],
    [serverId(PSU), ['PART_REMOVED']],
    [serverId(TEMP), ['SENSOR_THRESHOLD']],
    [serverId(DARK), ['BMC_UNREACHABLE']],
  ]);
  const resolvedExpected = new Set([serverId(PSU), serverId(TEMP), serverId(DARK)]);
  // Wait for the end state: every expected alert raised, the recoveries resolved, the fan
  // trend and the DIMM task raised.
  await eventually(
    async () => {
      const a = await alerts();
      const i = await insights();
      const resolvedOk = [...resolvedExpected].every((s) =>
        a.some((x) => x.serverId === s && x.type === 'AlertResolved'),
      );
      const raisedOk = [...expectedAlerts.keys()].every((s) =>
        a.some((x) => x.serverId === s && x.type === 'AlertRaised'),
      );
      const fanOk = i.some((x) => x.serverId === serverId(FAN) && x.type === 'InsightRaised');
      const eccOk = i.some((x) => x.serverId === serverId(ECC) && x.type === 'InsightRaised');
      return resolvedOk && raisedOk && fanOk && eccOk ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 2000, what: 'every scenario’s outcome' },
  );
  // Let late duplicates, if there were any, arrive before counting.
  await sleep(8000);

  const a = await alerts();
  const i = await insights();
  const describe = (xs: Lifecycle[]) =>
    xs.map((x) => `${x.serverId} ${x.type} ${x.key}`).join('\n');

  // Alerts: per server exactly the expected conditions, one alert each (one raise).
  for (let s = 1; s <= 5; s++) {
    const mine = a.filter((x) => x.serverId === serverId(s));
    const conditions = [...new Set(mine.map((x) => String(x.detail.condition)))].sort();
    assert.deepEqual(
      conditions,
      expectedAlerts.get(serverId(s)) ?? [],
      `alerts of ${serverId(s)}:\n${describe(a)}`,
    );
    const raised = mine.filter((x) => x.type === 'AlertRaised');
    assert.equal(raised.length, conditions.length, `one raise per problem:\n${describe(a)}`);
    const resolved = mine.filter((x) => x.type === 'AlertResolved');
    assert.equal(
      resolved.length,
      resolvedExpected.has(serverId(s)) ? 1 : 0,
      `resolutions:\n${describe(a)}`,
    );
  }
  const eccAlert = a.find((x) => x.serverId === serverId(ECC) && x.type === 'AlertRaised');
  assert.equal(eccAlert?.detail.severity, 'WARNING');
  // The BMC logs UNC then UCR going high, and the readings say CRITICAL: whichever the
  // processor sees first raises the one alert (WARNING from the UNC event), which escalates.
  const temp = a.filter((x) => x.serverId === serverId(TEMP));
  assert.equal(temp[0]?.type, 'AlertRaised');
  assert.equal(temp[0]?.detail.componentType, 'SENSOR');
  assert.ok(
    temp.some((x) => x.detail.severity === 'CRITICAL'),
    `the temperature alert reached CRITICAL:\n${describe(temp)}`,
  );

  // Insights: the fan trend on server 1 and the DIMM task on server 2, nothing else.
  const raisedInsights = i.filter((x) => x.type === 'InsightRaised');
  assert.deepEqual(
    raisedInsights.map((x) => `${x.serverId} ${String(x.detail.detector)}`).sort(),
    [`${serverId(FAN)} trend.fan-degradation@1`, `${serverId(ECC)} task.dimm-ecc@1`],
    `insights:\n${describe(i)}`,
  );
  const fan = raisedInsights.find((x) => x.serverId === serverId(FAN))?.detail;
  assert.equal(fan?.kind, 'TREND');
  assert.match(String(fan?.summary), /FAN1/);
  assert.ok(((fan?.metrics as Record<string, number>).dropPercent ?? 0) >= 15);
  const task = raisedInsights.find((x) => x.serverId === serverId(ECC))?.detail;
  assert.equal(task?.kind, 'MAINTENANCE_TASK');
  assert.equal(task?.priority, 'HIGH');
  assert.match(String(task?.title), /DIMM/);
  // The task cites the SEL entries it rests on.
  const selIds = new Set(
    (await seam.readAll('ipmi.sel.v1'))
      .filter((m) => (m.event.value as { serverId: string }).serverId === serverId(ECC))
      .map((m) => (m.event.value as { eventId: string }).eventId),
  );
  const evidence = task?.evidence as { eventId: string }[];
  assert.ok(evidence.length >= 5, `evidence: ${evidence.length}`);
  assert.ok(
    evidence.every((e) => selIds.has(e.eventId)),
    'evidence ids are SEL entries',
  );

  console.log(`alerts:\n${describe(a)}\ninsights:\n${describe(i)}`);
  console.log(
    `fan: ${String(fan?.summary)}\ntask: ${String(task?.title)}: ${String(task?.summary)}`,
  );
  for (const c of children) c.kill('SIGTERM');
  for (const c of children) await exitOf(c);
});
