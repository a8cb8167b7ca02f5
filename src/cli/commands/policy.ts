/**
 * `intentkey policy`: the retry-policy designer. Simulates a policy through the client's
 * own backoff code and prints the timeline of attempts (table and chart), the load a
 * fleet puts on a venue during an outage, an SVG picture, or the policy written for
 * another retry library.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { JITTER_STRATEGIES, type JitterStrategy } from '../../backoff/jitter.js';
import { ConfigurationError } from '../../errors/index.js';
import {
  DEFAULT_DRAWS,
  DEFAULT_RETRY_POLICY,
  EXPORT_TARGETS,
  MAX_POLICY_ATTEMPTS,
  closedFormBounds,
  exportPolicy,
  fleetChart,
  fleetLoad,
  fleetSummary,
  giveUpSummary,
  formatMs,
  policySource,
  policySvg,
  policyVenueFacts,
  policyTimeline,
  resolveRetryPolicy,
  timelineChart,
  type ExportTarget,
  type FleetLoad,
  type RetryPolicy,
  type Spread,
} from '../../tools/policy.js';
import { findVenueProfile, VENUE_PROFILES } from '../../venues/registry.js';
import type { VenueProfile } from '../../venues/profile.js';
import type { CommandContext, RegisterCommand } from '../context.js';
import { withJson } from '../context.js';
import { CliError, EXIT, formatTable, writeJson } from '../io.js';

const MAX_MS = 2_147_483_647;

/** Which flag sets which field, for error messages from the pure functions. */
const FLAG_OF: Readonly<Record<string, string>> = {
  'policy.maxAttempts': '--attempts',
  'policy.jitter': '--jitter',
  'policy.baseDelayMs': '--base',
  'policy.maxDelayMs': '--cap',
  'policy.deadlineMs': '--deadline',
  'policy.maxRetryAfterMs': '--max-retry-after',
  'timeline.draws': '--draws',
  'timeline.attemptMs': '--attempt-ms',
  'fleet.clients': '--clients',
  'fleet.outageMs': '--outage',
  'fleet.spreadMs': '--spread',
  'fleet.bucketMs': '--bucket',
  'fleet.attemptMs': '--attempt-ms',
};

interface PolicyFlags {
  venue?: string;
  base?: string;
  cap?: string;
  attempts?: string;
  jitter?: string;
  deadline?: string;
  maxRetryAfter?: string;
  attemptMs?: string;
  draws?: string;
  seed?: string;
  clients?: string;
  outage?: string;
  spread?: string;
  bucket?: string;
  svg?: string;
  export?: string;
  json?: boolean;
}

const HELP = `
Every number is an integer; durations are in ms. Without --venue or flags the policy is
createIntentClient's default retry option (the same for every venue: profiles carry no
retry settings); flags override single fields.

The timeline simulates --draws calls whose every attempt fails, through the client's own
computeBackoffDelay and planRetry (seeded: the same --seed gives the same numbers). Per
attempt: the wait before it and the time it is sent since the first send (min, p50, p95,
max), and the share of calls that send it before the deadline stops them.

--clients N: N clients each make one call at 0 (or spread over --spread ms); the venue
fails every request sent before --outage ms (default: the deadline) and serves the rest.
Shown: requests per --bucket ms, the retry storm a fleet makes.

--export writes the policy for another library on stdout, and its caveats on stderr.

Examples:
  $ intentkey policy
  $ intentkey policy --venue binanceSpot --attempts 8 --jitter decorrelated
  $ intentkey policy --base 100 --cap 5000 --deadline 15000 --draws 50000 --seed 7
  $ intentkey policy --clients 1000 --outage 20000 --spread 500
  $ intentkey policy --jitter none --clients 1000   (every client retries in step)
  $ intentkey policy --svg policy.svg --clients 500
  $ intentkey policy --export python > retry_policy.py
  $ intentkey policy --export json --json`;

export const registerPolicy: RegisterCommand = (program, context) => {
  const command = program
    .command('policy')
    .description('Show the timeline of attempts of a retry policy, the load a fleet puts on a venue in an outage, and export the policy for other retry libraries.')
    .option('--venue <name>', 'start from the client defaults for this venue profile (e.g. binanceSpot, stripe)')
    .option('--base <ms>', `nominal delay before the first retry (default ${DEFAULT_RETRY_POLICY.baseDelayMs})`)
    .option('--cap <ms>', `largest single delay (default ${DEFAULT_RETRY_POLICY.maxDelayMs})`)
    .option('--attempts <n>', `most attempts per call, the first send included, 1-${MAX_POLICY_ATTEMPTS} (default ${DEFAULT_RETRY_POLICY.maxAttempts})`)
    .option('--jitter <name>', `${JITTER_STRATEGIES.join(' | ')} (default ${DEFAULT_RETRY_POLICY.jitter})`)
    .option('--deadline <ms>', `time budget of one call from its first send (default ${DEFAULT_RETRY_POLICY.deadlineMs})`)
    .option('--max-retry-after <ms>', `longest venue-requested wait honoured (default ${DEFAULT_RETRY_POLICY.maxRetryAfterMs})`)
    .option('--attempt-ms <ms>', 'time each failing attempt takes before the failure is known (default 0)')
    .option('--draws <n>', `simulated calls (default ${DEFAULT_DRAWS})`)
    .option('--seed <n>', 'seed of the simulation (default 1)')
    .option('--clients <n>', 'also show the load N clients put on the venue during an outage')
    .option('--outage <ms>', 'with --clients: how long the venue fails every request (default: the deadline)')
    .option('--spread <ms>', 'with --clients: first sends spread uniformly over this time (default 0: all at once)')
    .option('--bucket <ms>', 'with --clients: width of a load bucket (default 1000)')
    .option('--svg <file>', 'write an SVG picture of the timeline (and of the fleet load)')
    .addOption(new Option('--export <target>', `print the policy for ${EXPORT_TARGETS.join(', ')}`));
  withJson(command)
    .addHelpText('after', HELP)
    .action((flags: PolicyFlags) => {
      runPolicy(flags, context);
    });
};

function runPolicy(flags: PolicyFlags, ctx: CommandContext): void {
  const { io, paint } = ctx;
  const venue = flags.venue === undefined ? undefined : findVenue(flags.venue);
  const policy = buildPolicy(flags);
  const draws = optionalInt('--draws', flags.draws, 1, 1_000_000) ?? DEFAULT_DRAWS;
  const seed = optionalInt('--seed', flags.seed, 0, 4_294_967_295) ?? 1;
  const attemptMs = optionalInt('--attempt-ms', flags.attemptMs, 0, MAX_MS) ?? 0;
  const clients = optionalInt('--clients', flags.clients, 1, 1_000_000);
  for (const [flag, value] of [
    ['--outage', flags.outage],
    ['--spread', flags.spread],
    ['--bucket', flags.bucket],
  ] as const) {
    if (value !== undefined && clients === undefined) throw new CliError(`${flag}: expected to be used with --clients, received ${flag} without --clients`, EXIT.usage);
  }
  const outageMs = optionalInt('--outage', flags.outage, 0, MAX_MS);
  const spreadMs = optionalInt('--spread', flags.spread, 0, MAX_MS);
  const bucketMs = optionalInt('--bucket', flags.bucket, 1, MAX_MS);
  const target = flags.export === undefined ? undefined : exportTarget(flags.export);

  const timeline = mapped(() => policyTimeline(policy, { draws, seed, attemptMs }));
  const bounds = closedFormBounds(policy, { attemptMs });
  const fleet =
    clients === undefined
      ? undefined
      : mapped(() =>
          fleetLoad(policy, {
            clients,
            seed,
            attemptMs,
            ...(outageMs === undefined ? {} : { outageMs }),
            ...(spreadMs === undefined ? {} : { spreadMs }),
            ...(bucketMs === undefined ? {} : { bucketMs }),
          }),
        );
  const exported = target === undefined ? undefined : exportPolicy(policy, target);

  let svgPath: string | undefined;
  if (flags.svg !== undefined) {
    svgPath = resolve(io.cwd, flags.svg);
    try {
      writeFileSync(svgPath, policySvg(timeline, fleet === undefined ? {} : { fleet }));
    } catch (error) {
      throw new CliError(`--svg: could not write ${flags.svg}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.error);
    }
  }

  const source = policySource(venue);

  if (flags.json === true) {
    writeJson(io.stdout, {
      policy,
      source,
      venue: venue === undefined ? null : policyVenueFacts(venue),
      timeline: { draws: timeline.draws, seed: timeline.seed, attemptMs: timeline.attemptMs, attempts: timeline.attempts, giveUpMs: timeline.giveUpMs },
      bounds,
      fleet: fleet ?? null,
      export: exported ?? null,
      svg: svgPath ?? null,
    });
    return;
  }

  if (exported !== undefined) {
    io.stdout.write(exported.text);
    for (const caveat of exported.caveats) io.stderr.write(`intentkey: caveat (${exported.target}): ${caveat}\n`);
    if (svgPath !== undefined) io.stderr.write(`intentkey: wrote ${flags.svg ?? ''}\n`);
    return;
  }

  const out: string[] = [];
  out.push(
    paint.bold(
      `Retry policy: ${policy.maxAttempts} attempts, jitter ${policy.jitter}, base ${policy.baseDelayMs} ms, cap ${policy.maxDelayMs} ms, deadline ${policy.deadlineMs} ms`,
    ),
  );
  out.push(paint.dim(`from ${venue === undefined ? '' : `venue ${venue.name}: `}${source.note}`));
  if (venue !== undefined) {
    const facts = policyVenueFacts(venue);
    out.push(
      paint.dim(
        `venue waits it reads: ${facts.retryAfterHeaders.join(', ')} (honoured up to ${policy.maxRetryAfterMs} ms); dedupe: ${facts.dedupe}; settle delay before a "not found" is believed: ${facts.settleDelayMs} ms`,
      ),
    );
  }
  out.push('');
  out.push(
    `${timeline.draws} simulated calls whose every attempt fails (seed ${seed}${attemptMs > 0 ? `, each attempt takes ${attemptMs} ms` : ''}), through computeBackoffDelay and planRetry:`,
  );
  out.push('');
  const cell = (s: Spread | null, pick: keyof Spread): string => (s === null ? '-' : String(Math.round(s[pick])));
  out.push(
    formatTable(
      ['attempt', 'sent', 'wait min', 'p50', 'p95', 'max', 'at min', 'p50', 'p95', 'max'],
      timeline.attempts.map((a) => [
        `#${a.attempt}`,
        a.reachedShare === 1 ? '100%' : a.reachedShare === 0 ? paint.red('0%') : paint.yellow(`${(a.reachedShare * 100).toFixed(1)}%`),
        cell(a.waitMs, 'min'),
        cell(a.waitMs, 'p50'),
        cell(a.waitMs, 'p95'),
        cell(a.waitMs, 'max'),
        cell(a.elapsedMs, 'min'),
        cell(a.elapsedMs, 'p50'),
        cell(a.elapsedMs, 'p95'),
        cell(a.elapsedMs, 'max'),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ).trimEnd(),
  );
  out.push(paint.dim('wait: ms before the attempt, after the previous one failed; at: ms since the first send'));
  out.push('');
  out.push('When each attempt is sent (░ min..p50 │ p50 █ ..p95 ░ ..max):');
  out.push(timelineChart(timeline, 60, { strong: (t) => paint.cyan(t), faint: (t) => paint.dim(t) }).trimEnd());
  out.push('');
  out.push(giveUpSummary(timeline));
  if (fleet !== undefined) out.push('', ...fleetText(fleet, ctx));
  if (svgPath !== undefined) out.push('', `wrote ${flags.svg ?? ''}`);
  io.stdout.write(`${out.join('\n')}\n`);
}

function fleetText(fleet: FleetLoad, ctx: CommandContext): string[] {
  const { paint } = ctx;
  const summary = fleetSummary(fleet);
  return [
    paint.bold(summary.title),
    paint.dim(summary.model),
    summary.requests,
    summary.outcome,
    `requests per ${formatMs(fleet.bucketMs)} (▒ first sends, █ retries):`,
    fleetChart(fleet, 50, { strong: (t) => paint.red(t), faint: (t) => paint.dim(t) }).trimEnd(),
  ];
}

function findVenue(name: string): VenueProfile {
  const found = findVenueProfile(name);
  if (found === undefined) {
    throw new CliError(`--venue: expected one of ${Object.keys(VENUE_PROFILES).join(', ')}, received '${name.slice(0, 40)}'`, EXIT.usage);
  }
  return found;
}

function exportTarget(value: string): ExportTarget {
  if (!(EXPORT_TARGETS as readonly string[]).includes(value)) {
    throw new CliError(`--export: expected one of ${EXPORT_TARGETS.join(', ')}, received '${value.slice(0, 40)}'`, EXIT.usage);
  }
  return value as ExportTarget;
}

function buildPolicy(flags: PolicyFlags): RetryPolicy {
  const base = optionalInt('--base', flags.base, 0, MAX_MS);
  const cap = optionalInt('--cap', flags.cap, 0, MAX_MS);
  const attempts = optionalInt('--attempts', flags.attempts, 1, MAX_POLICY_ATTEMPTS);
  const deadline = optionalInt('--deadline', flags.deadline, 1, MAX_MS);
  const maxRetryAfter = optionalInt('--max-retry-after', flags.maxRetryAfter, 0, MAX_MS);
  let jitter: JitterStrategy | undefined;
  if (flags.jitter !== undefined) {
    if (!(JITTER_STRATEGIES as readonly string[]).includes(flags.jitter)) {
      throw new CliError(`--jitter: expected one of ${JITTER_STRATEGIES.join(', ')}, received '${flags.jitter.slice(0, 40)}'`, EXIT.usage);
    }
    jitter = flags.jitter as JitterStrategy;
  }
  const effectiveBase = base ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  if (cap !== undefined && cap < effectiveBase) {
    throw new CliError(`--cap: expected an integer of ms >= the base delay (${effectiveBase}${base === undefined ? ', the default --base' : ''}), received ${cap}`, EXIT.usage);
  }
  return mapped(() =>
    resolveRetryPolicy({
      ...(base === undefined ? {} : { baseDelayMs: base }),
      ...(cap === undefined ? {} : { maxDelayMs: cap }),
      ...(attempts === undefined ? {} : { maxAttempts: attempts }),
      ...(jitter === undefined ? {} : { jitter }),
      ...(deadline === undefined ? {} : { deadlineMs: deadline }),
      ...(maxRetryAfter === undefined ? {} : { maxRetryAfterMs: maxRetryAfter }),
    }),
  );
}

/** Parses an integer flag, or throws a usage error naming it, the range and the value. */
function optionalInt(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) {
    const shown = /^[+-]?\d+(\.\d+)?$/.test(text) ? text : `'${value.slice(0, 40)}'`;
    throw new CliError(`${flag}: expected an integer in [${min}, ${max}], received ${shown}`, EXIT.usage);
  }
  return n;
}

/** Runs a pure function, turning its ConfigurationError into a usage error that names the flag. */
function mapped<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new CliError(`${FLAG_OF[error.path] ?? error.path}: expected ${error.expected}, received ${error.received}`, EXIT.usage);
    }
    throw error;
  }
}
