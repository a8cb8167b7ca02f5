import { ConfigurationError, IntentBusyError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentRecord, Resolution, StoredOutcome } from './intent.js';
import type { LedgerStore } from './ledger-store.js';

/**
 * A person's verdict on an intent whose outcome the machine could not settle, after
 * checking the venue (its order history, its dashboard, its support).
 *
 * - `executed: true`: the venue executed it. The intent is settled as succeeded without
 *   a send; later calls of the same business action return `result`.
 * - `executed: false`: the venue did not execute it. The intent becomes sendable again
 *   with its same key (status `pending`). The next call or recovery pass sends it, but
 *   only while the venue's key window lasts: past `expiresAt` a pending intent is failed
 *   unsent, so a wrong verdict can never turn into a duplicate the venue does not catch.
 */
export type IntentVerdict =
  | {
      readonly executed: true;
      /** The operation's result as the person found it (JSON-compatible); absent: none. */
      readonly result?: unknown;
      /** Why, in words (what was checked). @default 'executed at the venue' */
      readonly reason?: string;
      /** Who decided (a person or a team, never a secret). */
      readonly by: string;
    }
  | {
      readonly executed: false;
      /** Why, in words (what was checked). Required: a resend follows from it. */
      readonly reason: string;
      /** Who decided. */
      readonly by: string;
    };

/** Options of {@link resolveIntent}. */
export interface ResolveOptions {
  /** Lease owner name used while the verdict is written. */
  readonly owner: string;
  /** Current time, epoch ms. */
  readonly now: number;
  /** Lease taken while writing, in ms. @default 30000 */
  readonly leaseMs?: number;
}

/** Statuses a verdict can settle: unknown (parked or not), or in flight with no live lease (its process died). */
const RESOLVABLE = new Set<IntentRecord['status']>(['unknown', 'inFlight']);

const MAX_TEXT = 500;

function text(value: unknown, path: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_TEXT) {
    throw new ConfigurationError({
      path,
      expected: `a non-empty string of at most ${MAX_TEXT} characters`,
      received: typeof value === 'string' ? `a string of ${value.length} characters` : typeof value,
    });
  }
  return value.trim();
}

/**
 * Writes a person's verdict on an unsettled intent as one audited, fenced ledger
 * transition, and returns the record as stored.
 *
 * Takes the intent's lease first (so a running worker holding it is never overtaken:
 * {@link IntentBusyError}), then writes a compare-and-set transition on the claimed
 * epoch, then releases the lease. The verdict is kept on the record as
 * `outcome.resolution` (who, when, why, what it replaced) and carried on every later
 * outcome of the intent, so the audit trail survives a resend.
 *
 * Durability: when this resolves, the store has made the transition durable to its
 * `capabilities.durable` degree; a rejection means it may or may not be stored (read the
 * record again before deciding).
 *
 * @throws ConfigurationError when the verdict is malformed, the intent does not exist,
 *   or its status cannot take a verdict (pending: never sent; succeeded or failed: final).
 * @throws IntentBusyError while another worker holds the intent's lease.
 */
export async function resolveIntent(store: LedgerStore, intentId: string, verdict: IntentVerdict, options: ResolveOptions): Promise<IntentRecord> {
  if (typeof verdict !== 'object' || verdict === null || typeof (verdict as { executed?: unknown }).executed !== 'boolean') {
    throw new ConfigurationError({ path: 'verdict.executed', expected: 'true or false', received: describeValue((verdict as { executed?: unknown } | null)?.executed) });
  }
  const by = text(verdict.by, 'verdict.by', true) as string;
  const reason = verdict.executed ? (text(verdict.reason, 'verdict.reason', false) ?? 'executed at the venue') : (text(verdict.reason, 'verdict.reason', true) as string);
  const current = await store.get(intentId);
  if (!current) throw new ConfigurationError({ path: 'intentId', expected: 'the id of an intent in the ledger', received: `"${intentId}" (not found)` });
  if (!RESOLVABLE.has(current.status)) {
    throw new ConfigurationError({
      path: 'intentId',
      expected: 'an intent whose outcome is unknown (or left in flight by a process that died)',
      received: `an intent that is ${current.status}${current.status === 'pending' ? ' (never sent: nothing to settle)' : ' (final)'}`,
    });
  }
  const claim = await store.claim(intentId, { owner: options.owner, leaseMs: options.leaseMs ?? 30_000, now: options.now });
  if (!claim.claimed) throw new IntentBusyError({ intentId, leaseExpiresAt: claim.record.leaseExpiresAt ?? options.now });
  const record = claim.record;
  if (!RESOLVABLE.has(record.status)) {
    // Settled by its worker between the read and the claim: the machine's answer stands.
    await store.release(intentId, options.owner, record.epoch);
    throw new ConfigurationError({ path: 'intentId', expected: 'an intent whose outcome is unknown', received: `an intent that became ${record.status} meanwhile` });
  }
  const resolution: Resolution = {
    verdict: verdict.executed ? 'executed' : 'notExecuted',
    by,
    at: options.now,
    reason,
    previous: { status: record.status, ...(record.outcome?.reason === undefined ? {} : { reason: record.outcome.reason }) },
  };
  const outcome: StoredOutcome = verdict.executed
    ? { kind: 'success', reason: `settled by ${by}: ${reason}`, ...(verdict.result === undefined ? {} : { result: verdict.result }), resolution }
    : { kind: 'resolved', reason: `not executed, per ${by}: ${reason}`, resolution };
  let written: IntentRecord;
  try {
    // Durable per the store; fenced by the epoch this claim took.
    written = await store.transition(intentId, {
      expectStatus: record.status,
      expectEpoch: record.epoch,
      to: verdict.executed ? 'succeeded' : 'pending',
      outcome,
      now: options.now,
    });
  } finally {
    await store.release(intentId, options.owner, record.epoch).catch(() => undefined);
  }
  // The record as stored now, without this call's lease.
  return (await store.get(intentId).catch(() => undefined)) ?? written;
}
