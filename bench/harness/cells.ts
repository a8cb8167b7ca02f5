/**
 * What the harness sends to each kind of benchmark child and what it gets back. Kept
 * apart from the child scripts so the orchestrator can import the types and lists
 * without running a child's entry point.
 */

/** Client variants, in the order tables list them. `axios` is the reference. */
export const HTTP_VARIANTS = [
  'axios',
  'axios-retry',
  'p-retry',
  // The hand-written floor (bench/harness/floor.ts): the work no client with intentkey's
  // guarantees can skip, with nothing else. Not a product: the reference point that
  // tells whether a target lies below what any design could reach here.
  'floor',
  'intentkey-memory',
  // The same with intentkey/otel's spans and instruments on a real SDK: the cost of OpenTelemetry.
  'intentkey-memory-otel',
  'intentkey-file',
  // FileLedger opened with `outcomeDurability: 'lazy'`: the outcome record is not awaited.
  // Reported as not measured while FileLedger.open does not take that option.
  'intentkey-file-lazy',
  'intentkey-redis',
  'intentkey-postgres',
] as const;
export type HttpVariant = (typeof HTTP_VARIANTS)[number];

/** Input of one cell. */
export interface HttpCellInput {
  readonly url: string;
  readonly variant: HttpVariant;
  readonly concurrency: number;
  readonly requests: number;
  readonly warmup: number;
  /** Wall-time cap of the timed phase, in ms; requests not started by then are not sent. */
  readonly timeLimitMs: number;
  /** Parent directory for the file ledger's temporary directory. */
  readonly tmpDir: string;
  readonly redisUrl?: string;
  readonly databaseUrl?: string;
  /**
   * When set, the timed phase runs under the V8 sampling profiler (node:inspector) and
   * the profile is written to this path (`.cpuprofile`, readable by Chrome DevTools).
   */
  readonly profileFile?: string;
}

/**
 * Name of the error a cell throws when its variant cannot be measured on this code
 * (e.g. a FileLedger option that does not exist yet): the run reports the variant as
 * not measured instead of failing.
 */
export const VARIANT_UNAVAILABLE = 'VariantUnavailable';

/** What one cell measured. */
export interface HttpCellResult {
  readonly completed: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly timedOut: boolean;
  readonly wallMs: number;
  readonly reqPerS: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly cpuUsPerReq: number;
  /** Peak RSS of the whole child process, MB. */
  readonly peakRssMb: number;
  /** RSS after setup, before the warm-up, MB: the part of the peak every variant pays. */
  readonly setupRssMb: number;
  /** Facts about the store used, e.g. whether the Redis server was durable. */
  readonly note?: string;
}


/**
 * Ledger-alone cells: `file` and `sqlite` create intents durably; `group-commit` is the
 * bare group-commit loop (bench/harness/group-commit.ts: records of the FileLedger's
 * create-record sizes appended and fdatasynced by one writer thread, no ledger logic),
 * the ceiling the FileLedger is judged against; `idle` measures the event-loop delay of
 * a process doing nothing (the noise floor); `flush` times a sequential 200-byte
 * append + fdatasync (one device flush as Node sees it).
 */
export type LedgerCellKind = 'file' | 'sqlite' | 'group-commit' | 'idle' | 'flush';

/** Input of one ledger-alone cell. */
export interface LedgerCellInput {
  readonly kind: LedgerCellKind;
  readonly concurrency: number;
  /** Length of the timed phase, ms (warm-up is a tenth of it, at most 500 ms). */
  readonly durationMs: number;
  /** Cap on timed operations (sizes the latency buffer). */
  readonly maxOps: number;
  /** Parent directory for the ledger's temporary directory. */
  readonly tmpDir: string;
  /** Where better-sqlite3 was installed (kind `sqlite`). */
  readonly depsDir: string;
}

/** What one ledger-alone cell measured. */
export interface LedgerCellResult {
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly wallMs: number;
  readonly opsPerS: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  readonly cpuUsPerOp: number;
  /** Event-loop delay while the timed phase ran: full timer intervals, resolution 1 ms. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly peakRssMb: number;
  /** Compactions the file ledger ran during the timed phase. */
  readonly compactions?: number;
  /** Versions of the store, e.g. SQLite's. */
  readonly note?: string;
  /** `group-commit`: smallest and largest record written, bytes (the FileLedger's create records). */
  readonly recordBytes?: { readonly min: number; readonly max: number };
}

/** Input of a recovery child: build a ledger directory, or open one and list what to resume. */
export interface RecoveryInput {
  readonly action: 'build' | 'open';
  readonly dir: string;
  readonly finished: number;
  readonly pending: number;
}

/** What building the recovery ledger produced. */
export interface RecoveryBuildResult {
  readonly buildMs: number;
  readonly snapshotBytes: number;
  readonly logBytes: number;
  readonly recordBytesMean: number;
}

/** What opening the recovery ledger cost. */
export interface RecoveryOpenResult {
  readonly openMs: number;
  readonly listMs: number;
  readonly totalMs: number;
  readonly resumable: number;
  readonly size: number;
  /** RSS before the open (node + tsx + modules loaded), MB. */
  readonly baseRssMb: number;
  readonly peakRssMb: number;
  /** Heap used after the open and the listing, MB. */
  readonly heapUsedMb: number;
}
