/**
 * Command-line options of `npm run bench`. Three presets set every count; individual
 * flags override them.
 *
 *   npm run bench                       full run (about 15–20 min), writes bench/results/
 *   npm run bench -- --quick            smaller counts, 1 round (a few minutes)
 *   npm run bench:smoke                 tiny counts, < 60 s; exercises every code path
 *   npm run bench -- --only http,ledger --rounds 5 --requests 20000
 *   npm run bench -- --only http --profile   also a V8 CPU profile of every variant at c=16
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HTTP_VARIANTS, type HttpVariant } from './cells.js';

/** The parts of the benchmark. */
export const PARTS = ['http', 'ledger', 'recovery', 'jitter', 'protection'] as const;
export type Part = (typeof PARTS)[number];

/** Everything a run is configured by (recorded in the result file). */
export interface BenchOptions {
  readonly mode: 'full' | 'quick' | 'smoke';
  readonly parts: readonly Part[];
  readonly rounds: number;
  /** HTTP: timed requests per cell. */
  readonly requests: number;
  /** HTTP: warm-up requests per cell. */
  readonly warmup: number;
  readonly httpConcurrency: readonly number[];
  readonly variants: readonly HttpVariant[];
  /** HTTP: wall-time cap of one cell's timed phase, ms. */
  readonly cellTimeLimitMs: number;
  readonly ledgerConcurrency: readonly number[];
  /** Ledger alone: timed phase of one cell, ms. */
  readonly ledgerMs: number;
  readonly recoveryFinished: number;
  readonly recoveryPending: number;
  /** Install better-sqlite3 into `depsDir` when missing. */
  readonly installSqlite: boolean;
  readonly depsDir: string;
  /** Parent directory of the ledgers written. @default the OS temp directory */
  readonly tmpDir: string;
  readonly outDir: string;
  readonly redisUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  /**
   * Where `--profile` writes one V8 CPU profile per HTTP variant at concurrency
   * {@link PROFILE_CONCURRENCY}, from an extra cell after the measured rounds (so the
   * profiler's overhead never enters a ratio); `undefined` without `--profile`.
   */
  readonly profileDir: string | undefined;
}

/** Concurrency of the `--profile` cells. */
export const PROFILE_CONCURRENCY = 16;

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

const PRESETS = {
  full: { rounds: 3, requests: 5000, warmup: 500, cellTimeLimitMs: 120_000, ledgerMs: 3000, recoveryFinished: 1_000_000, recoveryPending: 10_000, installSqlite: true },
  quick: { rounds: 1, requests: 1500, warmup: 200, cellTimeLimitMs: 60_000, ledgerMs: 1000, recoveryFinished: 100_000, recoveryPending: 1000, installSqlite: true },
  smoke: { rounds: 1, requests: 60, warmup: 10, cellTimeLimitMs: 20_000, ledgerMs: 100, recoveryFinished: 2000, recoveryPending: 20, installSqlite: false },
} as const;

/**
 * Concurrency levels per mode. The smoke run keeps one low and one high level: every
 * variant and store still runs (every code path), in fewer child processes.
 */
const LEVELS = {
  full: { http: [1, 16, 128], ledger: [1, 16, 128, 1024] },
  quick: { http: [1, 16, 128], ledger: [1, 16, 128, 1024] },
  smoke: { http: [1, 16], ledger: [1, 128] },
} as const;

function list(value: string, flag: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new Error(`${flag} needs a comma-separated list`);
  return items;
}

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${String(value)}`);
  return n;
}

/** Parses `argv` (without node and script). @throws Error with a usage hint on a bad flag. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flags = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const takesValue = !['smoke', 'quick', 'full', 'no-install', 'install', 'profile', 'help'].includes(name);
    if (takesValue && inline === undefined) flags.set(name, argv[++i]);
    else flags.set(name, inline);
  }
  if (flags.has('help')) throw new Error('usage');
  const mode = flags.has('smoke') ? 'smoke' : flags.has('quick') ? 'quick' : 'full';
  const preset = PRESETS[mode];
  const known = new Set(['smoke', 'quick', 'full', 'only', 'rounds', 'requests', 'warmup', 'concurrency', 'variants', 'ledger-concurrency', 'ledger-ms', 'recovery-finished', 'recovery-pending', 'no-install', 'install', 'profile', 'profile-dir', 'tmp', 'out', 'help']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}`);

  const only = flags.get('only');
  const parts = only === undefined ? [...PARTS] : list(only, '--only');
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part ${p} (parts: ${PARTS.join(', ')})`);
  const variantsFlag = flags.get('variants');
  const variants = variantsFlag === undefined ? [...HTTP_VARIANTS] : list(variantsFlag, '--variants');
  for (const v of variants) if (!(HTTP_VARIANTS as readonly string[]).includes(v)) throw new Error(`--variants: unknown variant ${v}`);
  if (!variants.includes('axios')) variants.unshift('axios'); // the reference every ratio needs
  const numbers = (flag: string, fallback: readonly number[]): number[] => {
    const value = flags.get(flag);
    return value === undefined ? [...fallback] : list(value, `--${flag}`).map((s) => positiveInt(s, `--${flag}`));
  };
  const int = (flag: string, fallback: number): number => (flags.has(flag) ? positiveInt(flags.get(flag), `--${flag}`) : fallback);
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const isDefaultRun = mode === 'full' && only === undefined && [...flags.keys()].every((f) => f === 'full' || f === 'install' || f === 'tmp' || f === 'profile');

  return {
    mode,
    parts: parts as Part[],
    rounds: int('rounds', preset.rounds),
    requests: int('requests', preset.requests),
    warmup: int('warmup', preset.warmup),
    httpConcurrency: numbers('concurrency', LEVELS[mode].http),
    variants: variants as HttpVariant[],
    cellTimeLimitMs: preset.cellTimeLimitMs,
    ledgerConcurrency: numbers('ledger-concurrency', LEVELS[mode].ledger),
    ledgerMs: int('ledger-ms', preset.ledgerMs),
    recoveryFinished: int('recovery-finished', preset.recoveryFinished),
    recoveryPending: int('recovery-pending', preset.recoveryPending),
    installSqlite: flags.has('install') || (preset.installSqlite && !flags.has('no-install')),
    depsDir: join(BENCH_DIR, '.deps'),
    tmpDir: flags.get('tmp') ?? tmpdir(),
    // Only the default full run writes where results are kept in git; anything else
    // goes to an ignored directory so a smoke run cannot overwrite the reference.
    outDir: flags.get('out') ?? (isDefaultRun ? join(BENCH_DIR, 'results') : join(BENCH_DIR, 'results', 'local')),
    redisUrl: nonEmpty(env['REDIS_URL']),
    databaseUrl: nonEmpty(env['DATABASE_URL']),
    profileDir: flags.has('profile') || flags.has('profile-dir') ? (flags.get('profile-dir') ?? join(BENCH_DIR, 'results', 'profiles')) : undefined,
  };
}

/** Printed for `--help` and after a bad option. */
export const USAGE = `Usage: npm run bench -- [--smoke | --quick] [options]
  --only http,ledger,recovery,jitter,protection   parts to run (default: all)
  --rounds N                           rounds; variant order rotates each round (full: 3)
  --requests N --warmup N              HTTP requests per cell (full: 5000 timed, 500 warm-up)
  --concurrency 1,16,128               HTTP concurrency levels (smoke: 1,16)
  --variants axios,intentkey-file,...  HTTP variants (axios, the reference, is always run)
  --ledger-concurrency 1,16,128,1024   ledger-alone concurrency levels (smoke: 1,128)
  --ledger-ms N                        ledger-alone timed phase per cell (full: 3000)
  --recovery-finished N --recovery-pending N   recovery ledger size (full: 1000000 / 10000)
  --install | --no-install             install better-sqlite3 into bench/.deps when missing (full, quick: yes; smoke: no)
  --tmp DIR                            where ledgers are written (default: the OS temp directory)
  --out DIR                            result directory (default: bench/results for a default full run, else bench/results/local)
  --profile                            after the HTTP rounds, one more cell per variant at c=16 under V8's CPU profiler:
                                       writes <run time>-<variant>-c16.cpuprofile and prints the top self time by function and file
  --profile-dir DIR                    where --profile writes (default: bench/results/profiles)
Environment: REDIS_URL, DATABASE_URL enable the Redis and PostgreSQL ledger variants.`;
