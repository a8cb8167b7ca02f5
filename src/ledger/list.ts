import type { IntentRecord } from './intent.js';
import type { ListRecordsQuery } from './ledger-store.js';

/**
 * The records a {@link ListRecordsQuery} selects, oldest first (by `createdAt`, then id),
 * at most `query.limit`: the rule every in-memory store applies (the PostgreSQL and
 * Redis stores do the same in the server). Pure; the records are not copied.
 */
export function selectRecords(records: Iterable<IntentRecord>, query: ListRecordsQuery): IntentRecord[] {
  const statuses = query.statuses;
  const picked: IntentRecord[] = [];
  for (const record of records) {
    if (statuses !== undefined && !statuses.includes(record.status)) continue;
    if (query.operation !== undefined && record.operation !== query.operation) continue;
    if (query.scope !== undefined && record.scope !== query.scope) continue;
    if (query.createdBefore !== undefined && record.createdAt > query.createdBefore) continue;
    picked.push(record);
  }
  picked.sort(oldestFirst);
  return picked.length > query.limit ? picked.slice(0, query.limit) : picked;
}

/** Order of every listing: `createdAt`, then id (code-unit order). */
export function oldestFirst(a: IntentRecord, b: IntentRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
