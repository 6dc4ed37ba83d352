/**
 * The scheduler's environment variables (declarative: the same spec generates
 * docs/configuration.md). Defaults follow the collector issue: sensors, SEL and power every
 * minute, inventory daily, backoff capped at ten minutes.
 */
import { defineConfig, parseConfig, type ConfigOf } from '@ipmi-monitor/runtime';
import {
  DEFAULT_SCHEDULER_CONFIG,
  validateSchedulerConfig,
  type SchedulerConfig,
} from './model.js';

const d = DEFAULT_SCHEDULER_CONFIG;

export const scheduleConfig = defineConfig({
  maxConcurrent: {
    env: 'IPMI_POLL_CONCURRENCY',
    type: 'int',
    default: d.maxConcurrent,
    min: 1,
    doc: 'BMC sessions in flight at once across the collector (each is a subprocess or a fan-out slot).',
  },
  sensorsMs: {
    env: 'IPMI_POLL_SENSORS_MS',
    type: 'int',
    default: d.defaultIntervalsMs.SENSORS,
    min: 0,
    doc: 'Default interval between sensor polls of a server, in ms (0: off unless a server sets it).',
  },
  selMs: {
    env: 'IPMI_POLL_SEL_MS',
    type: 'int',
    default: d.defaultIntervalsMs.SEL,
    min: 0,
    doc: 'Default interval between SEL polls of a server, in ms.',
  },
  powerMs: {
    env: 'IPMI_POLL_POWER_MS',
    type: 'int',
    default: d.defaultIntervalsMs.POWER,
    min: 0,
    doc: 'Default interval between chassis power / DCMI polls of a server, in ms.',
  },
  inventoryMs: {
    env: 'IPMI_POLL_INVENTORY_MS',
    type: 'int',
    default: d.defaultIntervalsMs.INVENTORY,
    min: 0,
    doc: 'Default interval between inventory (FRU, device id) polls of a server, in ms.',
  },
  backoffMaxMs: {
    env: 'IPMI_POLL_BACKOFF_MAX_MS',
    type: 'int',
    default: d.backoffMaxMs,
    min: 1000,
    doc: 'Longest wait between reachability probes of an unreachable BMC, in ms.',
  },
});

export function schedulerConfigFrom(c: ConfigOf<typeof scheduleConfig>): SchedulerConfig {
  return validateSchedulerConfig({
    ...DEFAULT_SCHEDULER_CONFIG,
    maxConcurrent: c.maxConcurrent,
    defaultIntervalsMs: {
      SENSORS: c.sensorsMs,
      SEL: c.selMs,
      POWER: c.powerMs,
      INVENTORY: c.inventoryMs,
    },
    backoffMaxMs: c.backoffMaxMs,
  });
}

/** Parses the scheduler's variables from the environment (RT_CONFIG_INVALID names a bad one). */
export function loadSchedulerConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SchedulerConfig {
  return schedulerConfigFrom(parseConfig(scheduleConfig, env));
}
