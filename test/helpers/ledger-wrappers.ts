import type { ClaimResumableRequest, LedgerStore } from '../../src/ledger/ledger-store.js';

/**
 * `store` seen without its optional `claimResumable` (and, with `list: false`, without
 * `list`): what a custom store that lacks them looks like, so `recover()` takes its
 * listing, one-claim-per-intent path on the very same data.
 */
export function oneByOne(store: LedgerStore, options: { list?: boolean } = {}): LedgerStore {
  return {
    capabilities: store.capabilities,
    create: (draft, now, inFlight) => store.create(draft, now, inFlight),
    get: (id) => store.get(id),
    claim: (id, request) => store.claim(id, request),
    transition: (id, request) => store.transition(id, request),
    release: (id, owner, epoch) => store.release(id, owner, epoch),
    listResumable: () => store.listResumable(),
    ...(options.list === false || store.list === undefined ? {} : { list: store.list.bind(store) }),
    close: () => store.close(),
  };
}

/** Calls of the claiming methods a {@link countingClaims} store has seen. */
export interface ClaimCounts {
  claim: number;
  claimResumable: number;
  /** Intents every `claimResumable` call returned, by id. */
  readonly batchClaimed: Map<string, number>;
}

/** `store` with its claiming methods counted (every other method passes through). */
export function countingClaims(store: LedgerStore): { store: LedgerStore; counts: ClaimCounts } {
  const counts: ClaimCounts = { claim: 0, claimResumable: 0, batchClaimed: new Map() };
  const batch = store.claimResumable?.bind(store);
  const wrapped: LedgerStore = {
    ...oneByOne(store),
    claim: (id, request) => {
      counts.claim++;
      return store.claim(id, request);
    },
    ...(batch === undefined
      ? {}
      : {
          claimResumable: async (request: ClaimResumableRequest) => {
            counts.claimResumable++;
            const records = await batch(request);
            for (const r of records) counts.batchClaimed.set(r.id, (counts.batchClaimed.get(r.id) ?? 0) + 1);
            return records;
          },
        }),
  };
  return { store: wrapped, counts };
}
