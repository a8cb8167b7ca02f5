import { ConfigurationError, LedgerUnavailableError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentRecord, IntentStatus, IntentView } from '../ledger/intent.js';
import { INTENT_STATUSES, viewOf } from '../ledger/intent.js';
import { selectRecords } from '../ledger/list.js';
import type { ListRecordsQuery } from '../ledger/ledger-store.js';
import { RESUMABLE_STATUSES } from '../ledger/transitions.js';
import type { ResolvedClientOptions } from './options.js';
import type { IntentSummary, ListQuery } from './types.js';

/** Longest list `list()` asks a store for when it must filter parked intents out of `unknown` ones. */
const MAX_LIST_SCAN = 100_000;

const LIST_VIEWS: readonly IntentView[] = [...INTENT_STATUSES, 'parked'];

/**
 * Lists intents by view, operation, scope and age, oldest first, from the ledger
 * (see `IntentClient.list`).
 * @throws ConfigurationError for a bad query; LedgerUnavailableError when the ledger
 *   cannot list finished intents (a custom store without `list`).
 */
export async function listIntents(options: ResolvedClientOptions, query: ListQuery = {}): Promise<IntentSummary[]> {
  const q = checkListQuery(query);
  const statuses = [...new Set(q.views.map((v): IntentStatus => (v === 'parked' ? 'unknown' : v)))];
  // `parked` and `unknown` share a stored status: when only one of them is asked for,
  // the store cannot apply the limit, so it returns every candidate and the view decides.
  const splitsUnknown = statuses.includes('unknown') && q.views.includes('unknown') !== q.views.includes('parked');
  const storeQuery: ListRecordsQuery = {
    statuses,
    ...(q.operation === undefined ? {} : { operation: q.operation }),
    ...(q.scope === undefined ? {} : { scope: q.scope }),
    ...(q.olderThanMs === undefined ? {} : { createdBefore: options.clock.now() - q.olderThanMs }),
    limit: splitsUnknown ? MAX_LIST_SCAN : q.limit,
  };
  const store = options.ledger;
  let records: IntentRecord[];
  if (store.list !== undefined) records = await store.list(storeQuery);
  else if (statuses.every((st) => RESUMABLE_STATUSES.includes(st))) records = selectRecords(await store.listResumable(), storeQuery);
  else throw new LedgerUnavailableError('This ledger store has no list(): it can list only unfinished intents (status pending, inFlight, unknown or parked).');
  const out: IntentSummary[] = [];
  for (const record of records) {
    const view = viewOf(record);
    if (!q.views.includes(view)) continue;
    out.push(summaryOf(record, view));
    if (out.length >= q.limit) break;
  }
  return out;
}

function checkListQuery(query: ListQuery): { views: IntentView[]; operation?: string; scope?: string; olderThanMs?: number; limit: number } {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `list(query)${field === '' ? '' : `.${field}`}`, expected, received: describeValue(value) });
  };
  if (typeof query !== 'object' || query === null) bad('', 'a query object', query);
  const raw = query.status;
  const views = raw === undefined ? [...LIST_VIEWS] : typeof raw === 'string' ? [raw] : Array.isArray(raw) ? [...(raw as readonly IntentView[])] : bad('status', 'a status or an array of them', raw);
  for (const view of views) if (!LIST_VIEWS.includes(view)) bad('status', `one of ${LIST_VIEWS.join(', ')}`, view);
  if (query.operation !== undefined && (typeof query.operation !== 'string' || query.operation === '')) bad('operation', 'a non-empty string', query.operation);
  if (query.scope !== undefined && (typeof query.scope !== 'string' || query.scope === '')) bad('scope', 'a non-empty string', query.scope);
  if (query.olderThanMs !== undefined && !(Number.isInteger(query.olderThanMs) && query.olderThanMs >= 0)) bad('olderThanMs', 'a whole number of ms >= 0', query.olderThanMs);
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_SCAN) bad('limit', `an integer from 1 to ${MAX_LIST_SCAN}`, limit);
  return {
    views,
    limit,
    ...(query.operation === undefined ? {} : { operation: query.operation }),
    ...(query.scope === undefined ? {} : { scope: query.scope }),
    ...(query.olderThanMs === undefined ? {} : { olderThanMs: query.olderThanMs }),
  };
}

function summaryOf(record: IntentRecord, view: IntentView): IntentSummary {
  return {
    intentId: record.id,
    operation: record.operation,
    scope: record.scope,
    ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
    view,
    status: record.status,
    key: record.key,
    venueKey: record.venueKey,
    attempts: record.attempt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.outcome === undefined ? {} : { reason: record.outcome.reason }),
    ...(record.outcome?.parked === undefined ? {} : { parked: record.outcome.parked }),
  };
}
