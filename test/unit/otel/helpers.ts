// Real OpenTelemetry SDKs for the intentkey/otel tests: spans into an in-memory exporter,
// metrics collected on demand from a reader. Nothing mocked.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import { IntentEvents } from '../../../src/client/events.js';
import type { ProtectionSnapshot } from '../../../src/client/protection.js';
import type { IntentEventMap } from '../../../src/client/types.js';

export interface OtelHarness {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly spans: () => ReadableSpan[];
  /** Collects every metric now, by instrument name. */
  readonly collect: () => Promise<Map<string, MetricData>>;
  readonly shutdown: () => Promise<void>;
}

export function otelHarness(): OtelHarness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Sum of a counter's (or up-down counter's) points whose attributes include `match`. */
export function sumOf(metrics: Map<string, MetricData>, name: string, match: Attributes = {}): number {
  const metric = metrics.get(name);
  if (metric === undefined) return 0;
  if (metric.dataPointType !== DataPointType.SUM && metric.dataPointType !== DataPointType.GAUGE) throw new Error(`${name} is not a sum or gauge`);
  let total = 0;
  for (const point of metric.dataPoints) if (matches(point.attributes, match)) total += point.value;
  return total;
}

/** Count, sum and boundaries of a histogram's points whose attributes include `match`. */
export function histogramOf(metrics: Map<string, MetricData>, name: string, match: Attributes = {}): { count: number; sum: number; boundaries: number[] } {
  const metric = metrics.get(name);
  if (metric === undefined) return { count: 0, sum: 0, boundaries: [] };
  if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
  let count = 0;
  let sum = 0;
  let boundaries: number[] = [];
  for (const point of metric.dataPoints) {
    if (!matches(point.attributes, match)) continue;
    count += point.value.count;
    sum += point.value.sum ?? 0;
    boundaries = point.value.buckets.boundaries;
  }
  return { count, sum, boundaries };
}

function matches(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([k, v]) => attributes[k] === v);
}

/**
 * A stand-in for an intent client: its `on()`, backed by the real `IntentEvents`, and a
 * way to emit; with `protection`, also its `protection()` and `venue` (for the gauges).
 */
export function fakeClient(protection?: () => Promise<ProtectionSnapshot> | ProtectionSnapshot): {
  readonly client: { on: IntentEvents['on']; protection?: () => Promise<ProtectionSnapshot> | ProtectionSnapshot; venue?: { name: string } };
  readonly events: IntentEvents;
  emit<K extends keyof IntentEventMap>(name: K, event: IntentEventMap[K]): void;
  listeners(): number;
} {
  const events = new IntentEvents(undefined);
  const names: Array<keyof IntentEventMap> = [
    'attemptStarted',
    'retryScheduled',
    'outcome',
    'reconcile',
    'warning',
    'rateLimitUsage',
    'intentParked',
    'recoveryStarted',
    'recoveryProgress',
    'recoveryFinished',
    'intentStarted',
    'intentFinished',
    'lookupStarted',
    'lookupFinished',
    'idempotencyConflict',
    'keyExpired',
    'ledger',
    'requestHeld',
    'breakerStateChanged',
  ];
  return {
    client: { on: (name, listener) => events.on(name, listener), ...(protection === undefined ? {} : { protection, venue: { name: 'binance-spot' } }) },
    events,
    emit: (name, event) => events.emit(name, event),
    listeners: () => names.filter((n) => events.has(n)).length,
  };
}

/** Every attribute value of every span, event and link, as strings. */
export function allAttributeValues(spans: readonly ReadableSpan[]): string[] {
  const values: string[] = [];
  const add = (attributes: Attributes | undefined): void => {
    for (const value of Object.values(attributes ?? {})) values.push(String(value));
  };
  for (const span of spans) {
    values.push(span.name);
    add(span.attributes);
    for (const event of span.events) add(event.attributes);
    if (span.status.message !== undefined) values.push(span.status.message);
  }
  return values;
}
