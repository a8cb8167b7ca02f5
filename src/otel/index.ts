// `intentkey/otel`: OpenTelemetry traces and metrics for an intent client, built on its
// event stream. The only entry that imports `@opentelemetry/api` (an optional peer): no
// SDK is bundled, so with none registered every span and instrument is the API's no-op.
import { context, metrics, propagation, trace, type Meter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import type { AxiosInstance, InternalAxiosRequestConfig } from 'axios';
import type { ProtectionSnapshot } from '../client/protection.js';
import type { IntentEventMap } from '../client/types.js';
import { recordMetrics } from './metrics.js';
import { recordSpans } from './traces.js';

export {
  ATTEMPTS_PER_INTENT_BUCKETS,
  BREAKER_POSITION_VALUES,
  FLUSH_BATCH_RECORDS_BUCKETS,
  FLUSH_LATENCY_BUCKETS_MS,
  INSTRUMENTS,
  INTENT_DURATION_BUCKETS_MS,
  PROTECTION_WAIT_BUCKETS_MS,
  RATE_LIMIT_WAIT_BUCKETS_MS,
  REQUEST_DURATION_BUCKETS_MS,
  instrumentsMarkdown,
  type InstrumentKind,
  type InstrumentName,
  type InstrumentSpec,
} from './instruments.js';

// Replaced at build time with the package version (tsup `define`); tests run the source.
declare const __INTENTKEY_VERSION__: string | undefined;

/** Version reported as the tracer's and meter's instrumentation scope version. */
export const INSTRUMENTATION_VERSION: string = typeof __INTENTKEY_VERSION__ === 'string' ? __INTENTKEY_VERSION__ : '0.0.0-dev';

/** Instrumentation scope name of the default tracer and meter. */
export const INSTRUMENTATION_NAME = 'intentkey';

/**
 * What `instrumentIntentClient` needs of a client: its typed `on`, and, for the
 * protection gauges (`intentkey.breaker.position`, `intentkey.retry_budget.balance`), its
 * `protection()` and `venue`. An `IntentClient` has all three.
 */
export interface InstrumentableClient {
  on<K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void): () => void;
  /**
   * The client's protection now (`IntentClient.protection`), read once per metric
   * collection for the gauges. Without it the protection gauges report nothing.
   */
  protection?(): Promise<ProtectionSnapshot> | ProtectionSnapshot;
  /** The client's venue profile; its `name` is the gauges' `intentkey.venue`. */
  readonly venue?: { readonly name: string };
}

/** Options of {@link instrumentIntentClient}. */
export interface InstrumentOptions {
  /** Tracer for the spans. @default `trace.getTracer('intentkey', version)` (the global provider) */
  readonly tracer?: Tracer;
  /** Meter for the instruments of `INSTRUMENTS`. @default `metrics.getMeter('intentkey', version)` */
  readonly meter?: Meter;
  /**
   * Inject W3C trace context (`traceparent`, `tracestate`, and whatever the registered
   * propagator writes) into each attempt's and lookup's headers, through a request
   * interceptor on this axios instance (the one the client sends with). Off by default:
   * some venues refuse unknown headers, and a signer that covers every header must see
   * them (the interceptor is added last, so it runs before interceptors added earlier,
   * such as your signer).
   */
  readonly propagate?: { readonly http: AxiosInstance };
  /**
   * Most intent runs tracked at once. Past it the oldest run's span is ended (with
   * `intentkey.evicted = true`) and forgotten, so a process that never sees some runs
   * finish cannot grow without bound. @default 10000
   */
  readonly maxOpenIntents?: number;
}

/** Removes every listener, the propagation interceptor and the gauge callbacks; ends spans still open. */
export type Uninstall = () => void;

const headerSetter: TextMapSetter<InternalAxiosRequestConfig['headers']> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

/**
 * Traces and measures an intent client with OpenTelemetry.
 *
 * - A span per intent run (`intentkey.intent <operation>`, from `intentStarted` to
 *   `intentFinished`, child of the context active when the call started), with a CLIENT
 *   child span per attempt and per lookup request, named by HTTP method, carrying the HTTP
 *   client semantic-convention attributes (`http.request.method`, `url.full` without query
 *   string, `server.address`, `server.port`, `http.response.status_code`) and `intentkey.*`.
 * - An ambiguous outcome (the action may have executed) is not an error: the span keeps
 *   status UNSET, with `intentkey.outcome.kind = unknown`, `intentkey.ambiguous = true` and
 *   an `intentkey.ambiguous` event. ERROR is set on an intent span only for `failed`,
 *   `exhausted`, `conflict` and `error` results; on an attempt span for an answer that
 *   proves it was not executed (`retry`, `rateLimited`, `resign`, `fatal`).
 * - Retry waits, requests held back by protection, reconcile decisions, parking and key
 *   expiry are events on the intent span.
 * - The metric instruments of {@link INSTRUMENTS}; the protection gauges read
 *   `client.protection()` once per collection (OpenTelemetry awaits the callback).
 *
 * Never records headers, bodies, query strings, credentials or payloads.
 *
 * @returns a function that uninstalls everything this call installed.
 */
export function instrumentIntentClient(client: InstrumentableClient, options: InstrumentOptions = {}): Uninstall {
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const meter = options.meter ?? metrics.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  const maxOpen = Math.max(1, Math.floor(options.maxOpenIntents ?? 10_000));

  const unsubscribes: Array<() => void> = [];
  const on = <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void): void => {
    unsubscribes.push(client.on(name, listener));
  };
  const spans = recordSpans(tracer, on, maxOpen);
  const readProtection = client.protection?.bind(client);
  const stopMetrics = recordMetrics(meter, on, maxOpen, readProtection === undefined ? undefined : { read: readProtection, venue: client.venue?.name });

  const http = options.propagate?.http;
  const interceptorId = http?.interceptors.request.use(
    (config) => {
      const id = (config as { intentkey?: { correlationId?: string } }).intentkey?.correlationId;
      const span = id === undefined ? undefined : spans.requestSpan(id);
      if (span !== undefined) propagation.inject(trace.setSpan(context.active(), span), config.headers, headerSetter);
      return config;
    },
    undefined,
    { synchronous: true, runWhen: (config) => (config as { intentkey?: unknown }).intentkey !== undefined },
  );

  let installed = true;
  return () => {
    if (!installed) return;
    installed = false;
    for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
    if (http !== undefined && interceptorId !== undefined) http.interceptors.request.eject(interceptorId);
    stopMetrics();
    spans.close();
  };
}
