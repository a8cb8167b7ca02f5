import { resolve } from 'node:path';
import type { IntentDraft, IntentRecord } from '../intent.js';
import type { ClaimRequest, ClaimResult, LedgerCapabilities, LedgerStore, TransitionRequest } from '../ledger-store.js';
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

  constructor(options: Partial<FileLedgerOptions> = {}) {
    this.options = { ...options, dir: resolve(options.dir ?? DEFAULT_LEDGER_DIR) };
  }

  /** Opens the ledger now (otherwise the first call does). */
  open(): Promise<FileLedger> {
    this.#opening ??= FileLedger.open(this.options);
    return this.#opening;
  }

  async create(draft: IntentDraft, now: number): Promise<{ readonly created: boolean; readonly record: IntentRecord }> {
    return (await this.open()).create(draft, now);
  }
  async get(id: string): Promise<IntentRecord | undefined> {
    return (await this.open()).get(id);
  }
  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    return (await this.open()).claim(id, request);
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
