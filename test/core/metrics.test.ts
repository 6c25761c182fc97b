import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../src/core/metrics.js';

/** One sample line of the Prometheus text exposition format (0.0.4): name, optional labels, value. */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*")*\})? (?:[-+]?[0-9.]+(?:e[-+]?\d+)?|NaN|\+Inf|-Inf)$/;

function expectValidExposition(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  const typed = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      expect(typed.has(type[1] as string), `TYPE given twice for ${type[1]}`).toBe(false);
      typed.add(type[1] as string);
      continue;
    }
    expect(line, 'sample line').toMatch(SAMPLE);
  }
}

/** The sample lines of one metric family, in order. */
function samples(text: string, family: string): string[] {
  return text.split('\n').filter((l) => !l.startsWith('#') && (l.startsWith(`${family} `) || l.startsWith(`${family}{`) || l.startsWith(`${family}_`)));
}

describe('metrics registry', () => {
  it('renders an untouched counter as 0 with HELP and TYPE', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('homeward_alerts_total', 'Alerts raised, by type');
    const text = metrics.render();
    expect(text).toBe('# HELP homeward_alerts_total Alerts raised, by type\n# TYPE homeward_alerts_total counter\nhomeward_alerts_total 0\n');
    expectValidExposition(text);
  });

  it('counts per label set, whatever the order the labels were given in', () => {
    const metrics = createMetricsRegistry();
    const readings = metrics.counter('homeward_readings_total', 'Readings received');
    readings.inc({ result: 'accepted' });
    readings.inc({ result: 'accepted' }, 41);
    readings.inc({ result: 'refused', reason: 'invalid' });
    readings.inc({ reason: 'invalid', result: 'refused' }, 2);
    expect(readings.get({ result: 'accepted' })).toBe(42);
    expect(readings.get({ reason: 'invalid', result: 'refused' })).toBe(3);
    expect(readings.get({ result: 'refused', reason: 'duplicate' })).toBe(0);
    const text = metrics.render();
    expect(samples(text, 'homeward_readings_total')).toEqual([
      'homeward_readings_total{result="accepted"} 42',
      'homeward_readings_total{reason="invalid",result="refused"} 3',
    ]);
    expectValidExposition(text);
  });

  it('counts without labels', () => {
    const metrics = createMetricsRegistry();
    const restarts = metrics.counter('homeward_restarts_total', 'Restarts');
    restarts.inc();
    restarts.inc(undefined, 2);
    expect(restarts.get()).toBe(3);
    expect(samples(metrics.render(), 'homeward_restarts_total')).toEqual(['homeward_restarts_total 3']);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    const metrics = createMetricsRegistry();
    const refused = metrics.counter('homeward_refused_total', 'Refused');
    refused.inc({ detail: 'a "quoted" C:\\path\nnext line' });
    const text = metrics.render();
    expect(samples(text, 'homeward_refused_total')).toEqual(['homeward_refused_total{detail="a \\"quoted\\" C:\\\\path\\nnext line"} 1']);
    expectValidExposition(text);
  });

  it('renders histograms with cumulative buckets, +Inf equal to the count, sum and count', () => {
    const metrics = createMetricsRegistry();
    const commit = metrics.histogram('homeward_ingest_commit_seconds', 'Commit time', [0.001, 0.01, 0.1]);
    for (const value of [0.0005, 0.001, 0.005, 0.05, 0.05, 2]) commit.observe(value);
    const text = metrics.render();
    expect(text).toContain('# TYPE homeward_ingest_commit_seconds histogram');
    expect(samples(text, 'homeward_ingest_commit_seconds')).toEqual([
      'homeward_ingest_commit_seconds_bucket{le="0.001"} 2', // a value equal to a bound counts in it ("le")
      'homeward_ingest_commit_seconds_bucket{le="0.01"} 3',
      'homeward_ingest_commit_seconds_bucket{le="0.1"} 5',
      'homeward_ingest_commit_seconds_bucket{le="+Inf"} 6',
      `homeward_ingest_commit_seconds_sum ${0.0005 + 0.001 + 0.005 + 0.05 + 0.05 + 2}`,
      'homeward_ingest_commit_seconds_count 6',
    ]);
    expectValidExposition(text);
  });

  it('renders an empty histogram with zero buckets, sum and count', () => {
    const metrics = createMetricsRegistry();
    metrics.histogram('homeward_push_seconds', 'Push time', [0.1, 1]);
    expect(samples(metrics.render(), 'homeward_push_seconds')).toEqual([
      'homeward_push_seconds_bucket{le="0.1"} 0',
      'homeward_push_seconds_bucket{le="1"} 0',
      'homeward_push_seconds_bucket{le="+Inf"} 0',
      'homeward_push_seconds_sum 0',
      'homeward_push_seconds_count 0',
    ]);
  });

  it('keeps one histogram series per label set, with le after the other labels', () => {
    const metrics = createMetricsRegistry();
    const push = metrics.histogram('homeward_push_seconds', 'Push time', [0.5]);
    push.observe(0.25, { channel: 'webpush' });
    push.observe(0.75, { channel: 'webpush' });
    push.observe(0.1, { channel: 'email' });
    const text = metrics.render();
    expect(samples(text, 'homeward_push_seconds')).toEqual([
      'homeward_push_seconds_bucket{channel="webpush",le="0.5"} 1',
      'homeward_push_seconds_bucket{channel="webpush",le="+Inf"} 2',
      'homeward_push_seconds_sum{channel="webpush"} 1',
      'homeward_push_seconds_count{channel="webpush"} 2',
      'homeward_push_seconds_bucket{channel="email",le="0.5"} 1',
      'homeward_push_seconds_bucket{channel="email",le="+Inf"} 1',
      'homeward_push_seconds_sum{channel="email"} 0.1',
      'homeward_push_seconds_count{channel="email"} 1',
    ]);
    expectValidExposition(text);
  });

  it('reads gauges at scrape time, plain or labelled', () => {
    const metrics = createMetricsRegistry();
    let clients = 3;
    metrics.gauge('homeward_mqtt_clients', 'Connected MQTT clients', () => clients);
    metrics.gauge('homeward_device_battery_percent', 'Battery', () => [
      { labels: { device: 'front-door' }, value: 87 },
      { labels: { device: 'pillbox' }, value: 12 },
    ]);
    let text = metrics.render();
    expect(text).toContain('# TYPE homeward_mqtt_clients gauge');
    expect(samples(text, 'homeward_mqtt_clients')).toEqual(['homeward_mqtt_clients 3']);
    expect(samples(text, 'homeward_device_battery_percent')).toEqual([
      'homeward_device_battery_percent{device="front-door"} 87',
      'homeward_device_battery_percent{device="pillbox"} 12',
    ]);
    expectValidExposition(text);
    clients = 0;
    text = metrics.render();
    expect(samples(text, 'homeward_mqtt_clients')).toEqual(['homeward_mqtt_clients 0']);
  });

  it('renders every metric family in registration order, as one valid document', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('b_total', 'B').inc({ kind: 'x' });
    metrics.gauge('a_gauge', 'A', () => 1);
    metrics.histogram('c_seconds', 'C', [1]).observe(0.5);
    const text = metrics.render();
    const order = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(order).toEqual(['b_total', 'a_gauge', 'c_seconds']);
    expectValidExposition(text);
  });
});
