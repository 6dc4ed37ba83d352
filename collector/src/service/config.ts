/**
 * The collector service's own variables (the scheduler's are in schedule/config.ts, the
 * credential store's in credentials/config.ts). Declarative: docs/configuration.md is
 * generated from this spec.
 */
import { defineConfig, type ConfigOf } from '@ipmi-monitor/runtime';

export const collectorConfig = defineConfig({
  instanceId: {
    env: 'IPMI_COLLECTOR_ID',
    type: 'string',
    default: null,
    doc: 'Names this collector; its Kafka transactional id and consumer group derive from it. Two collectors must not share one. Unset: the host name.',
  },
  toolTimeoutMs: {
    env: 'IPMI_TOOL_TIMEOUT_MS',
    type: 'int',
    default: 15_000,
    min: 1000,
    doc: 'Hard deadline of one IPMI tool run in ms; the whole process tree is killed when it passes.',
  },
  fanout: {
    env: 'IPMI_FANOUT',
    type: 'int',
    default: 16,
    min: 0,
    doc: 'FreeIPMI servers polled in parallel inside one multi-host process (`--fanout`); 0 runs one process per server.',
  },
  gatherMs: {
    env: 'IPMI_ROUND_GATHER_MS',
    type: 'int',
    default: 250,
    min: 0,
    doc: 'Polls due within this many ms of each other start together, so they share fan-out processes.',
  },
  sdrCacheDir: {
    env: 'IPMI_SDR_CACHE_DIR',
    type: 'string',
    default: null,
    doc: 'FreeIPMI SDR cache directory. Unset: `<IPMI_STATE_DIR>/sdr-cache`.',
  },
  toolsDir: {
    env: 'IPMI_TOOLS_DIR',
    type: 'string',
    default: null,
    doc: 'Directory holding the FreeIPMI and ipmitool executables. Unset: PATH (sbin directories included).',
  },
  severityOverridesFile: {
    env: 'IPMI_SEVERITY_OVERRIDES_FILE',
    type: 'string',
    default: null,
    doc: 'YAML file of operator severity rules, tried before the built-in table (see docs/severity.md).',
  },
  httpPort: {
    env: 'HTTP_PORT',
    type: 'int',
    default: 9101,
    min: 0,
    doc: 'Port of the collector’s HTTP endpoint: Prometheus `/metrics` and `/health` (200 once polling runs); 0 turns it off.',
  },
  httpHost: {
    env: 'HTTP_HOST',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the HTTP endpoint binds to; `0.0.0.0` in a container.',
  },
});

export type CollectorConfig = ConfigOf<typeof collectorConfig>;
