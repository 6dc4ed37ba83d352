/** The pipeline check's verdict (pipeline.ts): pure, clock as an argument. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  humanDuration,
  partitionLag,
  pipelineHealth,
  type PipelineInput,
  type PipelinePartition,
  type PipelineServer,
} from './pipeline.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const MIN = 60_000;
const LIMITS = { lagWarn: 5000, defaultSensorsIntervalMs: MIN };
const TOPICS = ['ipmi.readings.v1', 'ipmi.polls.v1'];

const server = (i: number, o: Partial<PipelineServer> = {}): PipelineServer => ({
  serverId: `srv-${i}`,
  name: `Server ${i}`,
  sensorsIntervalMs: null,
  configuredAt: iso(24 * 60 * MIN),
  health: 'OK',
  reachabilityReason: null,
  ...o,
});
const part = (topic: string, high: number, next: number | null, low = 0): PipelinePartition => ({
  topic,
  partition: 0,
  low: String(low),
  high: String(high),
  next: next === null ? null : String(next),
});
const base: PipelineInput = {
  servers: [server(0), server(1), server(2)],
  lastPollAt: iso(30_000),
  topics: TOPICS,
  partitions: [part('ipmi.readings.v1', 1000, 1000), part('ipmi.polls.v1', 50, 50)],
};

const cases: {
  name: string;
  input: Partial<PipelineInput>;
  status: 'ok' | 'degraded' | 'down';
  problems: [string, string][];
  check?: (h: ReturnType<typeof pipelineHealth>) => void;
}[] = [
  {
    name: 'a fresh poll, no lag, every BMC reachable: ok',
    input: {},
    status: 'ok',
    problems: [],
    check: (h) => {
      assert.deepEqual(h.collector, {
        lastPollAt: iso(30_000),
        ageSeconds: 30,
        staleAfterSeconds: 180,
        stale: false,
      });
      assert.equal(h.checkedAt, new Date(NOW).toISOString());
      assert.deepEqual(h.projections, {
        lag: 0,
        topics: [
          { topic: 'ipmi.readings.v1', lag: 0 },
          { topic: 'ipmi.polls.v1', lag: 0 },
        ],
        lagging: false,
        kafkaReachable: true,
      });
      assert.deepEqual(h.bmcs, { total: 3, unreachable: 0, servers: [] });
    },
  },
  {
    name: 'no poll for 6 min (threshold 3 × 60 s): the collector is stale',
    input: { lastPollAt: iso(6 * MIN) },
    status: 'down',
    problems: [['PIPE_COLLECTOR_STALE', 'critical']],
    check: (h) => {
      assert.equal(h.collector.stale, true);
      assert.equal(h.collector.ageSeconds, 360);
      assert.equal(h.problems[0]?.message, 'No poll result for 6 min: the collector may be down');
    },
  },
  {
    name: 'just inside the threshold: not stale',
    input: { lastPollAt: iso(180_000) },
    status: 'ok',
    problems: [],
  },
  {
    name: 'the floor: 10 s intervals still allow 120 s',
    input: {
      servers: [server(0, { sensorsIntervalMs: 10_000 }), server(1)],
      lastPollAt: iso(100_000),
    },
    status: 'ok',
    problems: [],
    check: (h) => assert.equal(h.collector.staleAfterSeconds, 120),
  },
  {
    name: 'the smallest interval rules: 5 min and 2 min → 6 min; 7 min without a poll is stale',
    input: {
      servers: [
        server(0, { sensorsIntervalMs: 5 * MIN }),
        server(1, { sensorsIntervalMs: 2 * MIN }),
        server(2, { sensorsIntervalMs: 0 }),
      ],
      lastPollAt: iso(7 * MIN),
    },
    status: 'down',
    problems: [['PIPE_COLLECTOR_STALE', 'critical']],
    check: (h) => assert.equal(h.collector.staleAfterSeconds, 360),
  },
  {
    name: 'no poll ever, servers configured a day ago: stale',
    input: { lastPollAt: null },
    status: 'down',
    problems: [['PIPE_COLLECTOR_STALE', 'critical']],
    check: (h) => {
      assert.equal(h.collector.ageSeconds, null);
      assert.match(h.problems[0]?.message ?? '', /No poll result at all.*24 h ago/);
    },
  },
  {
    name: 'no poll yet, servers configured a minute ago: not yet stale',
    input: { lastPollAt: null, servers: [server(0, { configuredAt: iso(MIN) })] },
    status: 'ok',
    problems: [],
  },
  {
    name: 'no servers configured: not stale, however old the last poll',
    input: { servers: [], lastPollAt: iso(48 * 60 * MIN) },
    status: 'ok',
    problems: [],
    check: (h) => {
      assert.equal(h.collector.stale, false);
      assert.deepEqual(h.bmcs, { total: 0, unreachable: 0, servers: [] });
    },
  },
  {
    name: 'no servers, no poll ever: ok',
    input: { servers: [], lastPollAt: null },
    status: 'ok',
    problems: [],
  },
  {
    name: 'lag above the threshold: degraded, the worst topic named',
    input: {
      partitions: [
        part('ipmi.readings.v1', 9000, 2000),
        { ...part('ipmi.readings.v1', 100, 0), partition: 1 },
        part('ipmi.polls.v1', 50, 49),
      ],
    },
    status: 'degraded',
    problems: [['PIPE_PROJECTION_LAG', 'warning']],
    check: (h) => {
      assert.equal(h.projections.lag, 7101);
      assert.deepEqual(h.projections.topics, [
        { topic: 'ipmi.readings.v1', lag: 7100 },
        { topic: 'ipmi.polls.v1', lag: 1 },
      ]);
      assert.equal(h.projections.lagging, true);
      assert.match(h.problems[0]?.message ?? '', /7101 events behind.*ipmi\.readings\.v1/);
    },
  },
  {
    name: 'lag exactly at the threshold: not lagging',
    input: { partitions: [part('ipmi.readings.v1', 5000, 0)] },
    status: 'ok',
    problems: [],
  },
  {
    name: 'nothing stored yet: lag from the low watermark',
    input: { partitions: [part('ipmi.readings.v1', 8000, null, 2000)] },
    status: 'degraded',
    problems: [['PIPE_PROJECTION_LAG', 'warning']],
    check: (h) => assert.equal(h.projections.lag, 6000),
  },
  {
    name: 'a stored offset past the high watermark: lag clamped to 0',
    input: { partitions: [part('ipmi.readings.v1', 10, 900), part('ipmi.polls.v1', 0, 25)] },
    status: 'ok',
    problems: [],
    check: (h) => {
      assert.equal(h.projections.lag, 0);
      assert.ok(h.projections.topics.every((t) => t.lag === 0));
    },
  },
  {
    name: 'Kafka unreachable: down, lag unknown (0), not lagging',
    input: { partitions: null },
    status: 'down',
    problems: [['PIPE_KAFKA_UNREACHABLE', 'critical']],
    check: (h) => {
      assert.equal(h.projections.kafkaReachable, false);
      assert.equal(h.projections.lagging, false);
      assert.equal(h.projections.lag, 0);
      assert.deepEqual(
        h.projections.topics.map((t) => t.topic),
        TOPICS,
      );
    },
  },
  {
    name: 'some BMCs unreachable: degraded, listed with their reason',
    input: {
      servers: [
        server(0),
        server(1, { health: 'UNREACHABLE', reachabilityReason: 'TIMEOUT' }),
        server(2, { health: 'CRITICAL' }),
      ],
    },
    status: 'degraded',
    problems: [['PIPE_BMCS_UNREACHABLE', 'warning']],
    check: (h) => {
      assert.deepEqual(h.bmcs, {
        total: 3,
        unreachable: 1,
        servers: [{ serverId: 'srv-1', name: 'Server 1', reason: 'TIMEOUT' }],
      });
      assert.equal(h.problems[0]?.message, '1 of 3 BMCs unreachable: Server 1');
    },
  },
  {
    name: 'all BMCs unreachable: down; at most 10 listed',
    input: {
      servers: Array.from({ length: 12 }, (_, i) =>
        server(i, { health: 'UNREACHABLE', reachabilityReason: 'AUTH_FAILED' }),
      ),
    },
    status: 'down',
    problems: [['PIPE_BMCS_UNREACHABLE', 'critical']],
    check: (h) => {
      assert.equal(h.bmcs.total, 12);
      assert.equal(h.bmcs.unreachable, 12);
      assert.equal(h.bmcs.servers.length, 10);
      assert.match(h.problems[0]?.message ?? '', /^All 12 BMCs are unreachable/);
    },
  },
  {
    name: 'several problems at once: each reported, the worst sets the status',
    input: {
      lastPollAt: iso(60 * MIN),
      partitions: null,
      servers: [server(0, { health: 'UNREACHABLE' }), server(1), server(2), server(3), server(4)],
    },
    status: 'down',
    problems: [
      ['PIPE_COLLECTOR_STALE', 'critical'],
      ['PIPE_KAFKA_UNREACHABLE', 'critical'],
      ['PIPE_BMCS_UNREACHABLE', 'warning'],
    ],
  },
];

describe('pipelineHealth', () => {
  for (const c of cases) {
    test(c.name, () => {
      const h = pipelineHealth({ ...base, ...c.input }, NOW, LIMITS);
      assert.equal(h.status, c.status);
      assert.deepEqual(
        h.problems.map((p) => [p.code, p.severity]),
        c.problems,
      );
      for (const p of h.problems) assert.ok(p.message.length > 10, p.message);
      c.check?.(h);
    });
  }

  test('the threshold comes from the limits', () => {
    const input = { ...base, partitions: [part('ipmi.readings.v1', 200, 100)] };
    assert.equal(pipelineHealth(input, NOW, { ...LIMITS, lagWarn: 99 }).status, 'degraded');
    assert.equal(pipelineHealth(input, NOW, { ...LIMITS, lagWarn: 100 }).status, 'ok');
  });

  test('a default interval of 5 min for servers without their own: 15 min threshold', () => {
    const h = pipelineHealth(base, NOW, { ...LIMITS, defaultSensorsIntervalMs: 5 * MIN });
    assert.equal(h.collector.staleAfterSeconds, 900);
  });
});

describe('partitionLag', () => {
  const table: [low: number, high: number, next: number | null, lag: number][] = [
    [0, 100, 100, 0],
    [0, 100, 40, 60],
    [0, 100, null, 100],
    [30, 100, null, 70],
    [30, 100, 10, 70],
    [0, 100, 150, 0],
    [0, 0, null, 0],
  ];
  for (const [low, high, next, lag] of table) {
    test(`low ${low}, high ${high}, next ${next}: ${lag}`, () => {
      assert.equal(partitionLag(part('t', high, next, low)), lag);
    });
  }
});

describe('humanDuration', () => {
  test('s, min, h, days', () => {
    assert.deepEqual([45, 119, 360, 7199, 7200, 47 * 3600, 49 * 3600].map(humanDuration), [
      '45 s',
      '119 s',
      '6 min',
      '119 min',
      '2 h',
      '47 h',
      '2 days',
    ]);
  });
});
