import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentRecord } from './intent.js';
import type { ClaimResumableRequest, ListRecordsQuery } from './ledger-store.js';
import { RESUMABLE_STATUSES } from './transitions.js';

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
export function oldestFirst(a: Pick<IntentRecord, 'createdAt' | 'id'>, b: Pick<IntentRecord, 'createdAt' | 'id'>): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Default of {@link ClaimResumableRequest.limit}. */
export const CLAIM_RESUMABLE_DEFAULT_LIMIT = 100;

/**
 * The validated `limit` of a {@link ClaimResumableRequest}.
 * @throws ConfigurationError when it is given and not a positive integer.
 */
export function claimLimitOf(request: ClaimResumableRequest): number {
  const limit = request.limit ?? CLAIM_RESUMABLE_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ConfigurationError({ path: 'claimResumable(request).limit', expected: 'a positive integer', received: describeValue(limit) });
  }
  return limit;
}

/** True for a parked intent whose next check is after `now`: recovery reports it and neither claims nor runs it. */
export function isParkedNotDue(record: IntentRecord, now: number): boolean {
  const parked = record.status === 'unknown' ? record.outcome?.parked : undefined;
  return parked !== undefined && parked.nextCheckAt > now;
}

/**
 * The records {@link LedgerStore.claimResumable} claims, before claiming them: resumable,
 * lease free, expired or `owner`'s, not parked and not due, inside the request's filters,
 * oldest first, at most `limit`. Pure; the records are not copied. The rule every
 * in-memory store applies (the PostgreSQL and Redis stores do the same in the server).
 */
export function selectClaimable(records: Iterable<IntentRecord>, request: ClaimResumableRequest): IntentRecord[] {
  const limit = claimLimitOf(request);
  const { owner, now, createdBefore, after } = request;
  const excluded = request.exclude === undefined || request.exclude.length === 0 ? undefined : new Set(request.exclude);
  const picked: IntentRecord[] = [];
  for (const record of records) {
    if (!RESUMABLE_STATUSES.includes(record.status)) continue;
    const leaseFree = record.leaseOwner === undefined || record.leaseOwner === owner || record.leaseExpiresAt === undefined || record.leaseExpiresAt <= now;
    if (!leaseFree || isParkedNotDue(record, now)) continue;
    if (createdBefore !== undefined && record.createdAt > createdBefore) continue;
    if (after !== undefined && oldestFirst(record, after) <= 0) continue;
    if (excluded?.has(record.id)) continue;
    picked.push(record);
  }
  picked.sort(oldestFirst);
  return picked.length > limit ? picked.slice(0, limit) : picked;
}
