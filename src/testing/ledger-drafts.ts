import type { IntentDraft } from '../ledger/intent.js';

/** The default `createdAt` of {@link draftOf}, epoch ms. */
export const DRAFT_CREATED_AT = 1_700_000_000_000;

/**
 * A draft whose fields all derive from `id`, so that a mix-up between intents shows in a
 * failed comparison. Shared by the store contract suite and the model-based checker;
 * not part of the public API.
 *
 * @param createdAt - epoch ms the draft says it was created at; default {@link DRAFT_CREATED_AT}.
 * @param extra - fields that replace the derived ones.
 */
export function draftOf(id: string, createdAt = DRAFT_CREATED_AT, extra: Partial<IntentDraft> = {}): IntentDraft {
  return {
    id,
    scope: 'acct-1',
    operation: 'order.create',
    businessId: `biz-${id}`,
    venue: 'contract',
    key: `key-${id}`,
    venueKey: `vk-${id}`,
    fingerprint: `fp-${id}`,
    input: { symbol: 'BTCUSDT', qty: '0.01', id },
    createdAt,
    ...extra,
  };
}
