/**
 * A small Prometheus text-format registry. prom-client would do, but it costs memory and start-up
 * on a Pi Zero for features we do not use; this keeps counters, gauges and histograms with labels.
 */
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(labels[k] as string)}"`).join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

interface Metric {
  render(): string;
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  /** A gauge read at scrape time, so nothing updates it on the hot path. */
  gauge(name: string, help: string, read: () => number | Array<{ labels: Labels; value: number }>): void;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  render(): string;
}

export function createMetricsRegistry(): MetricsRegistry {
  const metrics: Metric[] = [];

  return {
    counter(name, help) {
      const values = new Map<string, number>();
      metrics.push({
        render: () => {
          const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
          if (values.size === 0) lines.push(`${name} 0`);
          for (const [key, value] of values) lines.push(key ? `${name}{${key}} ${value}` : `${name} ${value}`);
          return lines.join('\n');
        },
      });
      return {
        inc(labels = {}, by = 1) {
          const key = labelKey(labels);
          values.set(key, (values.get(key) ?? 0) + by);
        },
        get(labels = {}) {
          return values.get(labelKey(labels)) ?? 0;
        },
      };
    },

    gauge(name, help, read) {
      metrics.push({
        render: () => {
          const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`];
          const value = read();
          if (typeof value === 'number') lines.push(`${name} ${value}`);
          else for (const v of value) lines.push(`${name}{${labelKey(v.labels)}} ${v.value}`);
          return lines.join('\n');
        },
      });
    },

    histogram(name, help, buckets) {
      const series = new Map<string, { counts: number[]; sum: number; count: number }>();
      metrics.push({
        render: () => {
          const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
          const all = series.size > 0 ? series : new Map([['', { counts: buckets.map(() => 0), sum: 0, count: 0 }]]);
          for (const [key, s] of all) {
            const prefix = key ? `${key},` : '';
            buckets.forEach((le, i) => lines.push(`${name}_bucket{${prefix}le="${le}"} ${s.counts[i]}`));
            lines.push(`${name}_bucket{${prefix}le="+Inf"} ${s.count}`);
            lines.push(key ? `${name}_sum{${key}} ${s.sum}` : `${name}_sum ${s.sum}`);
            lines.push(key ? `${name}_count{${key}} ${s.count}` : `${name}_count ${s.count}`);
          }
          return lines.join('\n');
        },
      });
      return {
        observe(value, labels = {}) {
          const key = labelKey(labels);
          let s = series.get(key);
          if (s === undefined) {
            s = { counts: buckets.map(() => 0), sum: 0, count: 0 };
            series.set(key, s);
          }
          // Cumulative buckets, as the Prometheus text format defines them.
          for (let i = 0; i < buckets.length; i++) if (value <= (buckets[i] as number)) (s.counts[i] as number)++;
          s.sum += value;
          s.count++;
        },
      };
    },

    render() {
      return metrics.map((m) => m.render()).join('\n') + '\n';
    },
  };
}
