import { resolve } from 'node:path';
import type { IntentDraft, IntentRecord } from '../../ledger/intent.js';
import type { LedgerObservation } from '../../client/types.js';
import type { ClaimRequest, ClaimResult, ClaimResumableRequest, CreateInFlight, LedgerCapabilities, LedgerStore, TransitionRequest } from '../../ledger/ledger-store.js';
import { FileLedger, type FileLedgerOptions } from './file-ledger.js';

/** Directory of the default ledger, relative to the working directory. */
export const DEFAULT_LEDGER_DIR = '.intentkey';

/**
 * A {@link FileLedger} opened on first use, so that `createIntentClient` can stay
 * synchronous and do no I/O when it is constructed. The first call that needs the
 * ledger opens it (lock, replay, repair); if that fails, every call rejects with the
 * same error and nothing is sent.
 */
export class LazyFileLedger implements LedgerStore {
  readonly capabilities: LedgerCapabilities = Object.freeze({ durable: true, shared: false });
  readonly options: FileLedgerOptions;
  #opening: Promise<FileLedger> | undefined;
  readonly #observers = new Set<(observation: LedgerObservation) => void>();

  constructor(options: Partial<FileLedgerOptions> = {}) {
    const given = options.onEvent;
    this.options = {
      ...options,
      dir: resolve(options.dir ?? DEFAULT_LEDGER_DIR),
      // Repairs and lock takeovers happen while opening, before anyone could subscribe
      // to the opened ledger: forward them from here.
      onEvent: (event) => {
        given?.(event);
        this.#tell(event);
      },
    };
  }

  /** Opens the ledger now (otherwise the first call does). */
  open(): Promise<FileLedger> {
    this.#opening ??= FileLedger.open(this.options).then((ledger) => {
      // Group commits are reported by the open ledger itself (compactions and repairs
      // already come through onEvent).
      (ledger as Partial<Pick<LedgerStore, 'observe'>>).observe?.((observation) => {
        if (observation.type === 'flush') this.#tell(observation);
      });
      return ledger;
    });
    return this.#opening;
  }

  /** Reports group commits, compactions, torn-tail repairs and lock takeovers; see `LedgerStore.observe`. */
  observe(listener: (observation: LedgerObservation) => void): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  #tell(observation: LedgerObservation): void {
    for (const listener of this.#observers) {
      try {
        listener(observation);
      } catch {
        // An observer's bug must not reach the ledger.
      }
    }
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ readonly created: boolean; readonly record: IntentRecord }> {
    return (await this.open()).create(draft, now, inFlight);
  }
  async get(id: string): Promise<IntentRecord | undefined> {
    return (await this.open()).get(id);
  }
  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    return (await this.open()).claim(id, request);
  }
  async claimResumable(request: ClaimResumableRequest): Promise<IntentRecord[]> {
    return (await this.open()).claimResumable(request);
  }
  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    return (await this.open()).transition(id, request);
  }
  async release(id: string, owner: string, epoch: number): Promise<void> {
    return (await this.open()).release(id, owner, epoch);
  }
  async listResumable(): Promise<IntentRecord[]> {
    return (await this.open()).listResumable();
  }
  async close(): Promise<void> {
    if (!this.#opening) return;
    const ledger = await this.#opening.catch(() => undefined);
    await ledger?.close();
  }
}
