import { LedgerUnavailableError } from '../../errors/index.js';
import { cloneData } from '../../internal/clone-data.js';
import type { IntentDraft, IntentRecord } from '../../ledger/intent.js';
import { TERMINAL_STATUSES } from '../../ledger/intent.js';
import type { ClaimRequest, ClaimResult, ClaimResumableRequest, CreateInFlight, LedgerCapabilities, LedgerStore, ListRecordsQuery, TransitionRequest } from '../../ledger/ledger-store.js';
import { selectClaimable, selectRecords } from '../../ledger/list.js';
import { RESUMABLE_STATUSES, applyTransition, createdInFlight } from '../../ledger/transitions.js';
import { extend } from '../../internal/extend.js';

/**
 * The reference {@link LedgerStore}: intents in a `Map`, nothing on disk.
 *
 * Everything is lost when the process exits, so an in-flight intent cannot be
 * recovered after a crash: use it for tests, and as the model the other stores are
 * checked against. Records are deep-copied in and out (`cloneData`: `structuredClone`'s
 * result for plain data, at a fraction of its cost) so callers can never mutate stored
 * state, just as with a serialising store. Which durability rules it keeps (in memory
 * only): docs/durability.md#which-store-keeps-which-rule.
 */
export class MemoryLedger implements LedgerStore {
  readonly capabilities: LedgerCapabilities = Object.freeze({ durable: false, shared: false });
  readonly #records = new Map<string, IntentRecord>();
  #closed = false;

  /**
   * Opens an empty ledger, as every store opens (`FileLedger.open`, `PostgresLedger.open`,
   * `RedisLedger.open`). It has nothing to connect or check, so `new MemoryLedger()` is
   * the same thing, kept for tests that need a ledger synchronously.
   */
  static async open(): Promise<MemoryLedger> {
    return new MemoryLedger();
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ created: boolean; record: IntentRecord }> {
    this.#assertOpen();
    const existing = this.#records.get(draft.id);
    if (existing) return { created: false, record: cloneData(existing) };
    // One deep copy: the stored record. The one returned shares nothing with it (only
    // the caller's own draft input), so neither side can change the other.
    const record: IntentRecord = inFlight !== undefined ? createdInFlight(draft, now, inFlight) : extend(draft, { status: 'pending', attempt: 0, epoch: 0, updatedAt: now } as const);
    this.#records.set(record.id, cloneData(record));
    return { created: true, record };
  }

  async get(id: string): Promise<IntentRecord | undefined> {
    this.#assertOpen();
    const record = this.#records.get(id);
    return record ? cloneData(record) : undefined;
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#assertOpen();
    const record = this.#mustGet(id);
    if (TERMINAL_STATUSES.has(record.status)) return { claimed: false, record: cloneData(record) };
    const heldByOther =
      record.leaseOwner !== undefined &&
      record.leaseOwner !== request.owner &&
      record.leaseExpiresAt !== undefined &&
      record.leaseExpiresAt > request.now;
    if (heldByOther) return { claimed: false, record: cloneData(record) };
    const next: IntentRecord = extend(record, { epoch: record.epoch + 1, leaseOwner: request.owner, leaseExpiresAt: request.now + request.leaseMs });
    this.#records.set(id, next);
    return { claimed: true, record: cloneData(next) };
  }

  /**
   * Claims a batch as {@link LedgerStore.claimResumable} says. Atomic as a whole: the
   * selection and every claim happen in one synchronous step.
   */
  async claimResumable(request: ClaimResumableRequest): Promise<IntentRecord[]> {
    this.#assertOpen();
    const leaseExpiresAt = request.now + request.leaseMs;
    return selectClaimable(this.#records.values(), request).map((record) => {
      const next: IntentRecord = extend(record, { epoch: record.epoch + 1, leaseOwner: request.owner, leaseExpiresAt });
      this.#records.set(record.id, next);
      return cloneData(next);
    });
  }

  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    this.#assertOpen();
    // applyTransition stores a copy of the new outcome; the record returned gets its own
    // copy of the input and the caller's outcome object, so it shares nothing with the stored one.
    const next = applyTransition(this.#mustGet(id), request);
    this.#records.set(id, next);
    if (request.outcome === undefined) return cloneData(next);
    return extend(next, { input: cloneData(next.input), outcome: request.outcome });
  }

  async release(id: string, owner: string, epoch: number): Promise<void> {
    this.#assertOpen();
    const record = this.#records.get(id);
    if (record && record.leaseOwner === owner && record.epoch === epoch) {
      const { leaseOwner: _owner, leaseExpiresAt: _until, ...rest } = record;
      this.#records.set(id, rest);
    }
    return ;
  }

  async listResumable(): Promise<IntentRecord[]> {
    this.#assertOpen();
    const list = [...this.#records.values()]
      .filter((r) => RESUMABLE_STATUSES.includes(r.status))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    return list.map((r) => cloneData(r));
  }

  async list(query: ListRecordsQuery): Promise<IntentRecord[]> {
    this.#assertOpen();
    return selectRecords(this.#records.values(), query).map((r) => cloneData(r));
  }

  async close(): Promise<void> {
    this.#closed = true;
    return ;
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerUnavailableError('MemoryLedger is closed.');
  }

  #mustGet(id: string): IntentRecord {
    const record = this.#records.get(id);
    if (!record) throw new LedgerUnavailableError(`Intent ${id} is not in the ledger.`);
    return record;
  }
}
