/** Every error code this package raises. Stable: safe to switch on. */
export type IntentErrorCode =
  | 'ERR_CONFIG_INVALID_OPTION'
  | 'ERR_CONFIG_UNKNOWN_OPERATION'
  | 'ERR_CONFIG_DUPLICATE_OPERATION'
  | 'ERR_KEY_FORMAT'
  | 'ERR_INTENT_CONFLICT'
  | 'ERR_INTENT_BUSY'
  | 'ERR_OUTCOME_UNKNOWN'
  | 'ERR_VENUE_REJECTED'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_LEDGER_UNAVAILABLE'
  | 'ERR_LEDGER_CORRUPT'
  | 'ERR_LEDGER_LOCKED'
  | 'ERR_LEDGER_LEASE_LOST'
  | 'ERR_LEDGER_TRANSITION';

const BRAND = Symbol.for('intentkey.IntentError');

/**
 * Base class of every error intentkey throws.
 *
 * Subclasses are grouped by what the caller must do, not by HTTP status: fix the
 * configuration, look the intent up before acting again, give up, or wait. The raw
 * venue status and code live in fields, never only in the message.
 *
 * Messages never contain API keys, signatures, request headers or bodies.
 */
export abstract class IntentError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: IntentErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }

  /**
   * Brand that survives two copies of the package being loaded (ESM and CJS, or two
   * versions): use {@link isIntentError} instead of `instanceof` across boundaries.
   */
  get [BRAND](): true {
    return true;
  }
}

/** True for any error thrown by intentkey, even from another copy of the package. */
export function isIntentError(value: unknown): value is IntentError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
