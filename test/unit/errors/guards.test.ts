import { describe, expect, it } from 'vitest';
import * as api from '../../../src/index.js';
import { IntentError, type IntentErrorCode } from '../../../src/index.js';

/** An error of the package's brand with any code, as another copy of the package would throw it. */
class Foreign extends IntentError {
  readonly code: IntentErrorCode;
  constructor(code: IntentErrorCode) {
    super(`foreign ${code}`);
    this.code = code;
  }
}

/** Each concrete error class and the codes its instances carry. */
const CODES: Record<string, readonly IntentErrorCode[]> = {
  ConfigurationError: ['ERR_CONFIG_INVALID_OPTION', 'ERR_CONFIG_UNKNOWN_OPERATION', 'ERR_CONFIG_DUPLICATE_OPERATION'],
  KeyFormatError: ['ERR_KEY_FORMAT'],
  IntentConflictError: ['ERR_INTENT_CONFLICT'],
  IntentBusyError: ['ERR_INTENT_BUSY'],
  AmbiguousOutcomeError: ['ERR_OUTCOME_UNKNOWN'],
  VenueRejectedError: ['ERR_VENUE_REJECTED'],
  RetriesExhaustedError: ['ERR_RETRIES_EXHAUSTED'],
  CircuitOpenError: ['ERR_CIRCUIT_OPEN'],
  LedgerUnavailableError: ['ERR_LEDGER_UNAVAILABLE'],
  LedgerCorruptError: ['ERR_LEDGER_CORRUPT'],
  LedgerLockedError: ['ERR_LEDGER_LOCKED'],
  LedgerLeaseLostError: ['ERR_LEDGER_LEASE_LOST'],
  LedgerTransitionError: ['ERR_LEDGER_TRANSITION'],
};
/** The group classes: their guard accepts every code of their members. */
const GROUPS: Record<string, readonly string[]> = {
  IntentError: Object.keys(CODES),
  LedgerError: Object.keys(CODES).filter((name) => name.startsWith('Ledger')),
};
const ALL_CODES = Object.values(CODES).flat();

const exported = api as unknown as Record<string, unknown>;
const errorClasses = Object.keys(exported).filter(
  (name) => typeof exported[name] === 'function' && (exported[name] === IntentError || (exported[name] as { prototype?: unknown }).prototype instanceof IntentError),
);

describe('error guards', () => {
  it('every exported error class has a brand-based guard named is<Class>', () => {
    expect(errorClasses.length).toBeGreaterThan(10);
    const missing = errorClasses.filter((name) => typeof exported[`is${name}`] !== 'function');
    expect(missing).toEqual([]);
    // The table below covers every exported class, so a new class needs its row (and guard).
    expect([...errorClasses].sort()).toEqual([...Object.keys(CODES), ...Object.keys(GROUPS)].sort());
  });

  for (const name of [...Object.keys(CODES), ...Object.keys(GROUPS)]) {
    it(`is${name} accepts exactly the codes of ${name}, from any copy of the package`, () => {
      const guard = exported[`is${name}`] as (e: unknown) => boolean;
      const members = GROUPS[name] ?? [name];
      const accepted = new Set(members.flatMap((member) => CODES[member] ?? []));
      for (const code of ALL_CODES) expect(guard(new Foreign(code)), `${name} / ${code}`).toBe(accepted.has(code));
      expect(guard(Object.assign(new Error('plain'), { code: [...accepted][0] }))).toBe(false);
      expect(guard(undefined)).toBe(false);
    });
  }
});
