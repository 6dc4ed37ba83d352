import { collectDefaultMetrics, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * prom-client's default metrics that are gauges named like counters (`_total`):
 * `promtool check metrics` flags them, and the same facts are in `nodejs_active_*` without
 * the suffix in newer prom-client releases. Left out so every /metrics lints clean.
 */
export const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/**
 * One metrics registry per process. Services and the seam add their metrics to it;
 * `/metrics` serves `registry.metrics()`. Default process metrics (CPU, memory, event loop
 * lag) are included because they are the first thing an operator checks.
 */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return registry;
}
