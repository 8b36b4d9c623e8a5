/**
 * Counters and histograms whose hot-path cost is one increment on a plain object. prom-client's
 * own `labels(...).inc()` hashes the label set on every call; these keep one child per label set
 * (created when a route compiles) and hand prom-client the values only when /metrics is scraped,
 * through the Registry's documented metric shape (`name`, `help`, `type`, `get()`).
 */
import type { Registry } from 'prom-client';

export interface CounterChild {
  value: number;
}

export interface HistogramChild {
  /** Observes a value in the histogram's unit (seconds). */
  observe(value: number): void;
}

export interface CounterFamily {
  child(labelValues: readonly string[]): CounterChild;
}

export interface HistogramFamily {
  child(labelValues: readonly string[]): HistogramChild;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((n, i) => (out[n] = values[i] ?? ''));
  return out;
}

export function createCounterFamily(registry: Registry, name: string, help: string, labelNames: readonly string[]): CounterFamily {
  const children = new Map<string, { labels: Record<string, string>; child: CounterChild }>();
  registry.registerMetric({
    name,
    help,
    type: 'counter',
    get: () => ({
      name,
      help,
      type: 'counter',
      aggregator: 'sum',
      values: [...children.values()].map((c): MetricValue => ({ labels: c.labels, value: c.child.value })),
    }),
  } as never);
  return {
    child(values) {
      const key = values.join('\u0000');
      let entry = children.get(key);
      if (entry === undefined) {
        entry = { labels: labelObject(labelNames, values), child: { value: 0 } };
        children.set(key, entry);
      }
      return entry.child;
    },
  };
}

export function createHistogramFamily(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  buckets: readonly number[],
): HistogramFamily {
  const bounds = [...buckets].sort((a, b) => a - b);
  interface Child extends HistogramChild {
    labels: Record<string, string>;
    counts: Float64Array;
    sum: number;
    count: number;
  }
  const children = new Map<string, Child>();
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    get: () => {
      const values: MetricValue[] = [];
      for (const c of children.values()) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += c.counts[i] as number;
          values.push({ labels: { ...c.labels, le }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: `${name}_bucket` });
        values.push({ labels: c.labels, value: c.sum, metricName: `${name}_sum` });
        values.push({ labels: c.labels, value: c.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  } as never);
  return {
    child(values) {
      const key = values.join('\u0000');
      let child = children.get(key);
      if (child === undefined) {
        const c: Child = {
          labels: labelObject(labelNames, values),
          counts: new Float64Array(bounds.length),
          sum: 0,
          count: 0,
          observe(value) {
            c.sum += value;
            c.count++;
            for (let i = 0; i < bounds.length; i++) {
              if (value <= (bounds[i] as number)) {
                c.counts[i] = (c.counts[i] as number) + 1;
                return;
              }
            }
          },
        };
        child = c;
        children.set(key, child);
      }
      return child;
    },
  };
}
