import type { LedgerObservation } from '../client/types.js';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from './intent.js';

/** What a ledger store promises; the client reads it to warn about weak setups. */
export interface LedgerCapabilities {
  /** Acknowledged writes survive a process crash (and, for the file store, power loss). */
  readonly durable: boolean;
  /** Several processes can share the store safely (leases and epochs are enforced). */
  readonly shared: boolean;
}

/** Arguments of {@link LedgerStore.claim}. */
export interface ClaimRequest {
  /** Identity of the claiming worker (stable for the client's lifetime). */
  readonly owner: string;
  /** Lease length in ms; another owner may take the intent over after it expires. */
  readonly leaseMs: number;
  /** Current time, epoch ms (from the client's injected clock). */
  readonly now: number;
}

/**
 * Optional third argument of {@link LedgerStore.create}: store the new intent already
 * claimed by `owner` and with its first attempt recorded as started, in the same one
 * write that creates it. The record it creates is exactly what `create`, then
 * `claim({ owner, leaseMs, now })`, then `transition(pending → inFlight, attempt 1,
 * outcome)` would leave: `status: 'inFlight'`, `attempt: 1`, `epoch: 1`, `leaseOwner:
 * owner`, `leaseExpiresAt: now + leaseMs`, `updatedAt: now`, `outcome`. It saves the client
 * two ledger round trips (and, for the file ledger, two flushes) before the first send.
 *
 * When an intent with the draft's id already exists, this argument is ignored: nothing
 * is claimed or changed, and the stored record is returned with `created: false`.
 * A store written before this argument existed ignores it and creates a `pending`
 * intent; the client sees that from the returned status and takes the longer path.
 */
export interface CreateInFlight {
  /** Identity of the claiming worker, as in {@link ClaimRequest.owner}. */
  readonly owner: string;
  /** Lease length in ms, counted from `create`'s `now`. */
  readonly leaseMs: number;
  /** The in-flight outcome of attempt 1 (kind `inFlight`: its correlation id, and a settle instant where one applies). */
  readonly outcome: StoredOutcome;
}

/**
 * Arguments of {@link LedgerStore.claimResumable}: the claim's owner, lease and time, and
 * filters on which intents the batch may take (every given filter narrows).
 */
export interface ClaimResumableRequest extends ClaimRequest {
  /** Most intents claimed by this call: a positive integer. @default 100 */
  readonly limit?: number;
  /**
   * Only intents created at or before this time, epoch ms. Recovery passes its start, so
   * a pass covers the intents that existed when it began.
   */
  readonly createdBefore?: number;
  /**
   * Only intents after this one in the order of the batch (`createdAt`, then id),
   * exclusive: the last record of the previous batch, so a pass never takes an intent
   * twice (not even one it ran and released still unfinished).
   */
  readonly after?: { readonly createdAt: number; readonly id: string };
  /**
   * Ids never claimed by this call: the intents the caller is running already under its
   * own lease, which a claim would otherwise take again (and fence) as `owner`'s.
   */
  readonly exclude?: readonly string[];
}

/** Arguments of {@link LedgerStore.list}: every given field narrows. */
export interface ListRecordsQuery {
  /** Statuses to include; absent: all. */
  readonly statuses?: readonly IntentStatus[];
  readonly operation?: string;
  readonly scope?: string;
  /** Only intents created at or before this time, epoch ms. */
  readonly createdBefore?: number;
  /** Most records returned. */
  readonly limit: number;
}

/** Result of {@link LedgerStore.claim}. */
export type ClaimResult =
  | { readonly claimed: true; readonly record: IntentRecord }
  | { readonly claimed: false; readonly record: IntentRecord };

/**
 * Arguments of {@link LedgerStore.transition}: a compare-and-set on `(status, epoch)`.
 * The store applies the change only if the stored record still has `expectStatus`
 * and `expectEpoch`; otherwise another worker took over and the caller must stop.
 */
export interface TransitionRequest {
  readonly expectStatus: IntentStatus;
  readonly expectEpoch: number;
  readonly to: IntentStatus;
  /**
   * Required when `to` is `inFlight`: the new attempt number, which must be exactly
   * the stored `attempt + 1`. Ignored otherwise.
   */
  readonly attempt?: number;
  /** Stored with `succeeded`, `failed` and `unknown`. */
  readonly outcome?: StoredOutcome;
  /** Current time, epoch ms. */
  readonly now: number;
  /**
   * When true, the lease fields (`leaseOwner`, `leaseExpiresAt`) are cleared in the same
   * write, which saves the {@link LedgerStore.release} call that would follow it. The
   * client sets it on the write that ends its run (a settled or parked intent). The
   * compare-and-set on `(status, epoch)` already proves the caller holds the lease, so
   * no owner is needed. Absent or false: the lease is kept as it is.
   * @default false
   */
  readonly releaseLease?: boolean;
}

/**
 * Storage contract for intents. Implemented by `MemoryLedger` (reference), the file
 * ledger, and the Redis and PostgreSQL stores; the contract suite in
 * `intentkey/testing` checks any implementation against it.
 *
 * Every method that resolves has made its change durable to the degree
 * `capabilities.durable` says; the client sends nothing until the write that
 * precedes the send has resolved. A rejected write means the change may or may not
 * be stored: the client treats the intent as not sent only when it never reached
 * `inFlight`. The rules every store keeps: docs/durability.md#rules-every-store-keeps.
 */
export interface LedgerStore {
  readonly capabilities: LedgerCapabilities;

  /**
   * Creates the intent in `pending` (attempt 0, epoch 0) unless one with the same
   * id exists. Atomic: of concurrent creators exactly one gets `created: true`;
   * the others get the stored record (whose fingerprint the caller compares).
   * With `inFlight`, a new intent is created already claimed and with its first
   * attempt recorded as started (see {@link CreateInFlight}); the client sends that
   * attempt only after this resolves.
   */
  create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ readonly created: boolean; readonly record: IntentRecord }>;

  /** The stored record, or `undefined`. */
  get(id: string): Promise<IntentRecord | undefined>;

  /**
   * Takes the lease on a non-terminal intent: increments `epoch` (the fencing token)
   * and sets `leaseOwner`/`leaseExpiresAt`. Refused (`claimed: false`) while another
   * owner's lease is unexpired; re-claiming one's own lease is allowed.
   */
  claim(id: string, request: ClaimRequest): Promise<ClaimResult>;

  /**
   * Optional: claims a batch of resumable intents in one call, for recovery across a
   * fleet (`recover()` uses it when present instead of listing and claiming one by one).
   *
   * Selects the intents that are `pending`, `inFlight` or `unknown`, whose lease is free,
   * expired (`leaseExpiresAt <= now`) or already `owner`'s (as {@link claim} allows), and that
   * pass every filter of `request`; takes the oldest `limit` of them (by `createdAt`, then
   * id) and claims each exactly as {@link claim} would: `epoch` incremented, `leaseOwner`
   * set to `owner`, `leaseExpiresAt` to `now + leaseMs`. Resolves the claimed records, already
   * claimed, oldest first; an empty array when nothing is claimable.
   *
   * Never claimed: finished intents; intents another owner holds an unexpired lease on;
   * and parked intents not yet due (status `unknown` with `outcome.parked.nextCheckAt > now`),
   * which recovery reports without claiming them.
   *
   * Each intent is claimed atomically (no two owners ever hold the same intent at one
   * epoch, whatever the concurrency); whether the batch as a whole is one atomic step is
   * the store's to say. Concurrent callers get disjoint sets, except where a lease
   * expires or an owner re-claims its own.
   *
   * @throws ConfigurationError for an invalid `limit`.
   */
  claimResumable?(request: ClaimResumableRequest): Promise<IntentRecord[]>;

  /**
   * Compare-and-set state change. Throws `LedgerLeaseLostError` if the stored status
   * or epoch differs from the expected ones, and `LedgerTransitionError` if the state
   * machine forbids the change. Keeps the lease fields as they are.
   */
  transition(id: string, request: TransitionRequest): Promise<IntentRecord>;

  /** Drops the lease if `owner` and `epoch` still match; otherwise does nothing. */
  release(id: string, owner: string, epoch: number): Promise<void>;

  /** Every intent in `pending`, `inFlight` or `unknown`, oldest first. */
  listResumable(): Promise<IntentRecord[]>;

  /**
   * Intents matching `query`, oldest first (by `createdAt`, then id), at most
   * `query.limit`. Optional for custom stores: without it a client can list only
   * unfinished intents (from `listResumable`). Every shipped store has it.
   */
  list?(query: ListRecordsQuery): Promise<IntentRecord[]>;

  /**
   * Optional: subscribes to what the store reports about its own work (group commits
   * with their latency, batch size and queue depth; compactions; repairs; lock
   * takeovers), for metrics. The client forwards them as `ledger` events. Returns an
   * unsubscribe function. A listener that throws is ignored.
   */
  observe?(listener: (observation: LedgerObservation) => void): () => void;

  /** Releases resources. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Turns operation inputs into what is stored, and back. Use it to encrypt inputs at
 * rest (they are needed to rebuild requests after a crash, so they must be stored).
 * Every durable store takes one as its `codec` option. `encode` must return
 * JSON-compatible data; `decode(encode(x))` must equal `x`.
 */
export interface InputCodec {
  encode(input: unknown): unknown;
  decode(stored: unknown): unknown;
}
