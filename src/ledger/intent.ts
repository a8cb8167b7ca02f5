/**
 * Lifecycle of an intent (the allowed moves between these states are listed in
 * `transitions.ts`, drawn in docs/durability.md#the-intent-state-machine and
 * explained in docs/design.md, "The state machine").
 *
 * - `pending`: recorded, never sent (or provably not executed); safe to send.
 * - `inFlight`: an attempt was recorded as started; bytes may have been sent.
 * - `succeeded`: the venue executed it. Terminal.
 * - `failed`: the venue definitively did not execute it. Terminal.
 * - `unknown`: it may have executed; reconcile before any resend.
 */
export type IntentStatus = 'pending' | 'inFlight' | 'succeeded' | 'failed' | 'unknown';

/** Every {@link IntentStatus}. */
export const INTENT_STATUSES = ['pending', 'inFlight', 'succeeded', 'failed', 'unknown'] as const;

/**
 * How an intent is listed: its status, with `parked` for an `unknown` intent whose
 * allowance is spent (see {@link ParkedState}).
 */
export type IntentView = IntentStatus | 'parked';

/** The view of a record: `parked` for a parked `unknown` intent, otherwise its status. */
export function viewOf(record: { readonly status: IntentStatus; readonly outcome?: StoredOutcome }): IntentView {
  return record.status === 'unknown' && record.outcome?.parked !== undefined ? 'parked' : record.status;
}

/** Terminal statuses: no transition leaves them. */
export const TERMINAL_STATUSES: ReadonlySet<IntentStatus> = new Set(['succeeded', 'failed']);

/**
 * What is stored about how an intent ended (or why it is unknown). Never holds
 * request headers, credentials or signatures.
 */
export interface StoredOutcome {
  /** The classification that produced this state, e.g. `success`, `fatal`, `unknown`. */
  readonly kind: string;
  /** Short reason, e.g. `HTTP 200`, `binance -2010`, `socket reset after write`. */
  readonly reason: string;
  readonly httpStatus?: number;
  readonly venueCode?: string;
  readonly venueMessage?: string;
  /**
   * The operation's result for a succeeded intent: whatever the operation's
   * `result` function extracted from the response (JSON-compatible). Returned to
   * later calls of the same business action without a network call.
   */
  readonly result?: unknown;
  /**
   * The answer was replayed from the venue's key store (its stored result for this
   * key): a same-key resend would only return it again.
   */
  readonly replayed?: boolean;
  /**
   * Latest moment (epoch ms) at which an attempt of this intent may have left this
   * process: the dispatch fence lets a request go only within `attemptTimeoutMs` of its
   * in-flight record and while the lease runs. A settle delay is counted from here.
   */
  readonly sentBy?: number;
  /**
   * Venues with a request validity window (`reconcile.requestWindow`): the instant
   * (epoch ms) after which no copy of any attempt sent so far can still execute, from
   * the window each attempt carried. A "not found" is believed from then on; it
   * replaces `sentBy + settleDelayMs`.
   */
  readonly settleAt?: number;
  /** True when a reconcile lookup found the venue's answer (the intent was settled without a resend). */
  readonly reconciled?: boolean;
  /** Correlation id of the attempt this outcome is about (see `AttemptStartedEvent.correlationId`). */
  readonly correlationId?: string;
  /** Set while the intent is parked: its allowance is spent and its outcome still unknown. */
  readonly parked?: ParkedState;
  /**
   * A person's verdict on this intent (`resolveIntent`, `client.resolve`, `intentkey
   * ledger resolve`): kept on every later outcome of the intent as its audit trail.
   */
  readonly resolution?: Resolution;
}

/** The audit record of a person's verdict on an unsettled intent. */
export interface Resolution {
  /** What the person found at the venue. */
  readonly verdict: 'executed' | 'notExecuted';
  /** Who decided. */
  readonly by: string;
  /** When the verdict was written (epoch ms). */
  readonly at: number;
  /** Why, in the person's words. */
  readonly reason: string;
  /** The state the verdict replaced. */
  readonly previous: { readonly status: IntentStatus; readonly reason?: string };
}

/**
 * A parked intent: its attempts and lookups are spent and its outcome is still unknown.
 * It is checked again (one lookup, or one resend where the venue's key store makes that
 * safe) at `nextCheckAt`, on a schedule that grows with `count`, never with a full allowance.
 */
export interface ParkedState {
  /** When it was parked (epoch ms). */
  readonly at: number;
  /** Earliest time of its next check (epoch ms). */
  readonly nextCheckAt: number;
  /** How many times it has been parked, across process lives. */
  readonly count: number;
  /** Why it could not be settled, for a person. */
  readonly reason: string;
}

/**
 * One intent as the ledger stores it. Plain JSON-compatible data so every store
 * (memory, file, Redis, PostgreSQL) can hold it unchanged.
 */
export interface IntentRecord {
  /** Ledger identity: derived from scope + operation + business id, or random. */
  readonly id: string;
  /** Actor or account the intent belongs to (keys and ids are scoped by it). */
  readonly scope: string;
  /** Registered operation name, used to rebuild requests after a restart. */
  readonly operation: string;
  /** The caller's business action id, when one was given. */
  readonly businessId?: string;
  /** Venue profile name. */
  readonly venue: string;
  /** The intent key: fixed at creation, identical for every attempt. */
  readonly key: string;
  /** The key as the venue sees it (encoded to the venue's format). */
  readonly venueKey: string;
  /** SHA-256 (hex) of the canonical fingerprint fields. */
  readonly fingerprint: string;
  /** The operation input, needed to rebuild the request after a crash. */
  readonly input: unknown;
  readonly status: IntentStatus;
  /** Number of the last attempt recorded as started; 0 before the first send. */
  readonly attempt: number;
  /** Fencing token: incremented by every claim; every transition compares it. */
  readonly epoch: number;
  /** Owner of the current lease, if any. */
  readonly leaseOwner?: string;
  /** Epoch ms when the current lease expires. */
  readonly leaseExpiresAt?: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms. */
  readonly updatedAt: number;
  /**
   * Epoch ms after which the venue may no longer deduplicate this key, so no
   * automatic resend happens (a resend could then execute twice): a `pending` intent
   * past it fails unsent, an `unknown` one is only looked up or parked. Absent: no
   * window is known.
   */
  readonly expiresAt?: number;
  /** Set for `succeeded`, `failed` and `unknown`. */
  readonly outcome?: StoredOutcome;
}

/** What `LedgerStore.create` needs: everything but the fields the store assigns. */
export type IntentDraft = Omit<IntentRecord, 'status' | 'attempt' | 'epoch' | 'leaseOwner' | 'leaseExpiresAt' | 'updatedAt' | 'outcome'>;
