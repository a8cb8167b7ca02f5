import type { IntentStatus } from './intent.js';

/**
 * The intent state machine (reliability.md, section c) as data. Every ledger store
 * checks a requested change against it, so an illegal transition is refused by the
 * store itself and not only by the runner.
 *
 * - pending → inFlight: an attempt is recorded as started, before any byte is sent.
 * - pending → failed: the venue's dedupe window passed before it was ever sent.
 * - inFlight → pending: the attempt provably did not execute (refused, rate-limited).
 * - inFlight → succeeded | failed | unknown: the attempt's classified result.
 * - unknown → succeeded | failed: reconciliation found the venue's answer.
 * - unknown → inFlight: a same-key resend is allowed (inside the dedupe window, or
 *   after an authoritative "not found").
 * - succeeded, failed: terminal; nothing leaves them.
 */
const ALLOWED: Readonly<Record<IntentStatus, readonly IntentStatus[]>> = {
  pending: ['inFlight', 'failed'],
  inFlight: ['pending', 'succeeded', 'failed', 'unknown'],
  unknown: ['succeeded', 'failed', 'inFlight'],
  succeeded: [],
  failed: [],
};

/** True when the state machine allows `from → to`. */
export function isAllowedTransition(from: IntentStatus, to: IntentStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Statuses an intent can be resumed from after a restart or a lease takeover. */
export const RESUMABLE_STATUSES: readonly IntentStatus[] = ['pending', 'inFlight', 'unknown'];
