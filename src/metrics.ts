// A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
// labels. Enough for /metrics without a dependency; each process exposes its own numbers.

type Labels = Record<string, string>;

const formatKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

// Counters are bumped per fire and per run (10,000 at one instant): the usual one-label keys are
// formatted once, not on every call.
const oneLabel = new Map<string, string>();
function key(labels: Labels): string {
  let only: string | undefined;
  for (const k in labels) {
    if (only !== undefined) return formatKey(labels);
    only = k;
  }
  if (only === undefined) return '';
  const cacheKey = `${only}\u0000${String(labels[only])}`;
  let k = oneLabel.get(cacheKey);
  if (k === undefined) {
    k = formatKey(labels);
    if (oneLabel.size < 1000) oneLabel.set(cacheKey, k);
  }
  return k;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

export interface Metrics {
  counter(name: string, help: string): Counter;
  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>): void;
  histogram(name: string, help: string, buckets: number[]): Histogram;
  render(): string;
}

export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(prefix = 'tickler_'): Metrics {
  const families: Family[] = [];
  return {
    counter(name, help) {
      const values = new Map<string, number>();
      families.push({ name: prefix + name, help, type: 'counter', render: () => [...values].map(([k, v]) => `${prefix}${name}${k ? `{${k}}` : ''} ${v}`) });
      return {
        inc(labels = {}, by = 1) {
          const k = key(labels);
          values.set(k, (values.get(k) ?? 0) + by);
        },
      };
    },
    gauge(name, help, read) {
      families.push({
        name: prefix + name,
        help,
        type: 'gauge',
        render: () => {
          const v = read();
          return typeof v === 'number' ? [`${prefix}${name} ${v}`] : v.map(([l, x]) => `${prefix}${name}{${key(l)}} ${x}`);
        },
      });
    },
    histogram(name, help, buckets) {
      const series = new Map<string, { counts: number[]; sum: number; count: number }>();
      families.push({
        name: prefix + name,
        help,
        type: 'histogram',
        render: () =>
          [...series].flatMap(([k, s]) => {
            const sep = k ? `${k},` : '';
            return [
              ...buckets.map((b, i) => `${prefix}${name}_bucket{${sep}le="${b}"} ${s.counts[i]}`),
              `${prefix}${name}_bucket{${sep}le="+Inf"} ${s.count}`,
              `${prefix}${name}_sum${k ? `{${k}}` : ''} ${s.sum}`,
              `${prefix}${name}_count${k ? `{${k}}` : ''} ${s.count}`,
            ];
          }),
      });
      return {
        observe(value, labels = {}) {
          const k = key(labels);
          let s = series.get(k);
          if (!s) {
            s = { counts: buckets.map(() => 0), sum: 0, count: 0 };
            series.set(k, s);
          }
          for (let i = 0; i < buckets.length; i++) if (value <= (buckets[i] as number)) (s.counts[i] as number)++;
          s.sum += value;
          s.count++;
        },
      };
    },
    render() {
      const out: string[] = [];
      for (const f of families) {
        out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render());
      }
      const mem = process.memoryUsage();
      out.push(
        `# HELP ${prefix}process_resident_memory_bytes Resident set size.`,
        `# TYPE ${prefix}process_resident_memory_bytes gauge`,
        `${prefix}process_resident_memory_bytes ${mem.rss}`,
        `# HELP ${prefix}process_heap_used_bytes V8 heap in use.`,
        `# TYPE ${prefix}process_heap_used_bytes gauge`,
        `${prefix}process_heap_used_bytes ${mem.heapUsed}`,
        `# HELP ${prefix}process_uptime_seconds Seconds since the process started.`,
        `# TYPE ${prefix}process_uptime_seconds gauge`,
        `${prefix}process_uptime_seconds ${process.uptime()}`,
      );
      return `${out.join('\n')}\n`;
    },
  };
}
