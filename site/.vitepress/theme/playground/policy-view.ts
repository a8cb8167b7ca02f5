// The retry-policy playground's state and what the page shows for it, from the same
// functions as `intentkey policy` (src/tools/policy.ts): the policy resolved with the
// client's rules, the seeded simulation of its attempts, the fleet in an outage, the
// exports. The same state as command-line flags is `policyCommandArgs`; the tests run it.
import { JITTER_STRATEGIES } from '../../../../src/backoff/jitter.js';
import { isConfigurationError } from '../../../../src/errors/index.js';
import {
  DEFAULT_DRAWS,
  DEFAULT_RETRY_POLICY,
  EXPORT_TARGETS,
  MAX_POLICY_ATTEMPTS,
  exportPolicy,
  findVenueProfile,
  fleetLoad,
  fleetSummary,
  giveUpSummary,
  policySource,
  policyTimeline,
  policyVenueFacts,
  resolveRetryPolicy,
  venueNames,
  type FleetLoad,
  type FleetSummary,
  type PolicyExport,
  type PolicyTimeline,
  type PolicyVenueFacts,
  type RetryPolicy,
} from '../../../../src/tools/index.js';
import { fleetSvgModel, timelineSvgModel, type FleetSvgModel, type TimelineSvgModel } from './chart.js';
import { commandLine } from './shell.js';
import type { Schema, StateOf } from './url-state.js';

/** Largest timer delay, in ms (the client's and the command's limit). */
const MAX_MS = 2_147_483_647;

/** The export targets the page offers, in its order (the command knows all of EXPORT_TARGETS). */
export const PAGE_EXPORT_TARGETS = EXPORT_TARGETS;

/** The policy playground's fields, in URL order. Defaults are the command's. */
export const POLICY_SCHEMA = {
  venue: { kind: 'enum', values: ['', ...venueNames()], default: '' },
  base: { kind: 'int', min: 0, max: MAX_MS, default: DEFAULT_RETRY_POLICY.baseDelayMs },
  /** Empty: `max(20000, base)`, as the client. */
  cap: { kind: 'optionalInt', min: 0, max: MAX_MS },
  attempts: { kind: 'int', min: 1, max: MAX_POLICY_ATTEMPTS, default: DEFAULT_RETRY_POLICY.maxAttempts },
  jitter: { kind: 'enum', values: JITTER_STRATEGIES, default: DEFAULT_RETRY_POLICY.jitter },
  deadline: { kind: 'int', min: 1, max: MAX_MS, default: DEFAULT_RETRY_POLICY.deadlineMs },
  retryAfter: { kind: 'int', min: 0, max: MAX_MS, default: DEFAULT_RETRY_POLICY.maxRetryAfterMs },
  attemptMs: { kind: 'int', min: 0, max: MAX_MS, default: 0 },
  draws: { kind: 'int', min: 1, max: 1_000_000, default: DEFAULT_DRAWS },
  seed: { kind: 'int', min: 0, max: 4_294_967_295, default: 1 },
  clients: { kind: 'int', min: 1, max: 1_000_000, default: 1000 },
  /** Empty: the deadline (every attempt of every client fails). */
  outage: { kind: 'optionalInt', min: 0, max: MAX_MS },
  spread: { kind: 'int', min: 0, max: MAX_MS, default: 0 },
  bucket: { kind: 'int', min: 1, max: MAX_MS, default: 1000 },
  axis: { kind: 'enum', values: ['wait', 'at'], default: 'wait' },
  export: { kind: 'enum', values: PAGE_EXPORT_TARGETS, default: 'ts' },
} as const satisfies Schema;

export type PolicyState = StateOf<typeof POLICY_SCHEMA>;

/** A problem with the state, naming the control it is about. */
export interface FieldError {
  readonly field: keyof PolicyState;
  readonly message: string;
}

/** What the policy page shows. */
export interface PolicyView {
  /** The policy could not be resolved (nothing else is shown then). */
  readonly error: FieldError | null;
  readonly policy: RetryPolicy | null;
  readonly source: { readonly venue: string | null; readonly note: string };
  readonly venue: PolicyVenueFacts | null;
  readonly timeline: PolicyTimeline | null;
  /** A problem with the simulation options (draws, attempt time). */
  readonly timelineError: FieldError | null;
  readonly giveUp: string | null;
  readonly chart: TimelineSvgModel | null;
  readonly fleet: FleetLoad | null;
  readonly fleetError: FieldError | null;
  readonly fleetText: FleetSummary | null;
  readonly fleetChart: FleetSvgModel | null;
  readonly exported: PolicyExport | null;
  /** The command that prints the timeline and the fleet, and the one that writes the export. */
  readonly command: { readonly run: readonly string[]; readonly export: readonly string[] };
  readonly commandText: { readonly run: string; readonly export: string };
}

/** Which control a ConfigurationError path of the policy tools is about. */
const FIELD_OF_PATH: Readonly<Record<string, keyof PolicyState>> = {
  'policy.maxAttempts': 'attempts',
  'policy.jitter': 'jitter',
  'policy.baseDelayMs': 'base',
  'policy.maxDelayMs': 'cap',
  'policy.deadlineMs': 'deadline',
  'policy.maxRetryAfterMs': 'retryAfter',
  'timeline.draws': 'draws',
  'timeline.attemptMs': 'attemptMs',
  'fleet.clients': 'clients',
  'fleet.outageMs': 'outage',
  'fleet.spreadMs': 'spread',
  'fleet.bucketMs': 'bucket',
  'fleet.attemptMs': 'attemptMs',
};

function attempt<T>(run: () => T, fallback: keyof PolicyState): { value: T; error: null } | { value: null; error: FieldError } {
  try {
    return { value: run(), error: null };
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return { value: null, error: { field: FIELD_OF_PATH[error.path] ?? fallback, message: `expected ${error.expected}, received ${error.received}` } };
  }
}

/** The partial policy the state gives (the fields the client's `retry` option takes). */
export function policyInput(state: PolicyState): Partial<RetryPolicy> {
  return {
    baseDelayMs: state.base,
    ...(state.cap === null ? {} : { maxDelayMs: state.cap }),
    maxAttempts: state.attempts,
    jitter: state.jitter,
    deadlineMs: state.deadline,
    maxRetryAfterMs: state.retryAfter,
  };
}

/**
 * The `intentkey policy` arguments that compute what the page shows: every field that
 * differs from the command's default, and `--clients` (the page always shows a fleet).
 */
export function policyCommandArgs(state: PolicyState): string[] {
  const args = ['policy'];
  const flag = (name: string, value: number | string, fallback: number | string | null): void => {
    if (value !== fallback) args.push(name, String(value));
  };
  if (state.venue !== '') args.push('--venue', state.venue);
  flag('--base', state.base, DEFAULT_RETRY_POLICY.baseDelayMs);
  if (state.cap !== null) args.push('--cap', String(state.cap));
  flag('--attempts', state.attempts, DEFAULT_RETRY_POLICY.maxAttempts);
  flag('--jitter', state.jitter, DEFAULT_RETRY_POLICY.jitter);
  flag('--deadline', state.deadline, DEFAULT_RETRY_POLICY.deadlineMs);
  flag('--max-retry-after', state.retryAfter, DEFAULT_RETRY_POLICY.maxRetryAfterMs);
  flag('--attempt-ms', state.attemptMs, 0);
  flag('--draws', state.draws, DEFAULT_DRAWS);
  flag('--seed', state.seed, 1);
  args.push('--clients', String(state.clients));
  if (state.outage !== null) args.push('--outage', String(state.outage));
  flag('--spread', state.spread, 0);
  flag('--bucket', state.bucket, 1000);
  return args;
}

/** The `intentkey policy` arguments that write the export the page shows (the policy fields only). */
export function exportCommandArgs(state: PolicyState): string[] {
  const run = policyCommandArgs(state);
  const keep = new Set(['--venue', '--base', '--cap', '--attempts', '--jitter', '--deadline', '--max-retry-after']);
  const args = ['policy'];
  for (let i = 1; i < run.length; i += 2) if (keep.has(run[i] as string)) args.push(run[i] as string, run[i + 1] as string);
  return [...args, '--export', state.export];
}

/** Everything the policy page shows for `state`. */
export function policyView(state: PolicyState): PolicyView {
  const venueProfile = state.venue === '' ? undefined : findVenueProfile(state.venue);
  const command = { run: policyCommandArgs(state), export: exportCommandArgs(state) };
  const base = {
    source: policySource(venueProfile),
    venue: venueProfile === undefined ? null : policyVenueFacts(venueProfile),
    command,
    commandText: { run: commandLine(command.run), export: commandLine(command.export) },
  };
  const empty = { timeline: null, timelineError: null, giveUp: null, chart: null, fleet: null, fleetError: null, fleetText: null, fleetChart: null, exported: null };
  const resolved = attempt(() => resolveRetryPolicy(policyInput(state)), 'base');
  if (resolved.error !== null) return { ...base, ...empty, policy: null, error: resolved.error };
  const policy = resolved.value;
  const timeline = attempt(() => policyTimeline(policy, { draws: state.draws, seed: state.seed, attemptMs: state.attemptMs }), 'draws');
  const fleet = attempt(
    () =>
      fleetLoad(policy, {
        clients: state.clients,
        seed: state.seed,
        attemptMs: state.attemptMs,
        spreadMs: state.spread,
        bucketMs: state.bucket,
        ...(state.outage === null ? {} : { outageMs: state.outage }),
      }),
    'clients',
  );
  return {
    ...base,
    error: null,
    policy,
    timeline: timeline.value,
    timelineError: timeline.error,
    giveUp: timeline.value === null ? null : giveUpSummary(timeline.value),
    chart: timeline.value === null ? null : timelineSvgModel(timeline.value, state.axis),
    fleet: fleet.value,
    fleetError: fleet.error,
    fleetText: fleet.value === null ? null : fleetSummary(fleet.value),
    fleetChart: fleet.value === null ? null : fleetSvgModel(fleet.value),
    exported: exportPolicy(policy, state.export),
  };
}
