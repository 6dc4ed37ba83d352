import { collectDefaultMetrics, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One metrics registry per process. Services and the seam add their metrics to it;
 * `/metrics` serves `registry.metrics()`. Default process metrics (CPU, memory, event loop
 * lag) are included because they are the first thing an operator checks.
 */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
