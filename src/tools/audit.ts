// The ledger audit: the ledger compared with the venue's own list of orders (or
// payments), after a crash, a restore from backup, or at a bot's start. Pure: the caller
// reads both lists; `intentkey audit` and a bot's startup code share this function.
import type { IntentRecord, IntentStatus, IntentView } from '../ledger/intent.js';
import { viewOf } from '../ledger/intent.js';

/** One order (or payment) as the venue lists it. */
export interface VenueOrder {
  /** The client-supplied key the venue holds: client order id, idempotency key, label, … */
  readonly key: string;
  /** The venue's own id, when it has one. */
  readonly id?: string;
  /** The venue's status text (`FILLED`, `NEW`, `canceled`, `succeeded`, …), shown as is. */
  readonly status?: string;
  /** When the venue created it, epoch ms, when the list says. */
  readonly createdAt?: number;
}

/** Options of {@link auditIntents}. */
export interface AuditOptions {
  /**
   * Which venue keys this client could have made. A venue order whose key matches and
   * that no intent knows is an orphan; one that does not match (a manual order, another
   * program's) is ignored. Absent: inferred from the ledger's own venue keys (their
   * length range and character set); with an empty ledger nothing is called an orphan.
   */
  readonly keyPattern?: RegExp;
  /**
   * The venue list is complete for intents created at or after this time (epoch ms):
   * an intent created earlier that the list lacks is not judged. @default 0 (complete
   * since the beginning)
   */
  readonly listFrom?: number;
  /**
   * The list was taken at this time (epoch ms). Intents younger than `settleMs` at that
   * time are not judged missing: the venue may not list them yet.
   */
  readonly listedAt: number;
  /**
   * How long after an intent's last change the venue's list is trusted to show it, in ms.
   * @default 60000 (1 min)
   */
  readonly settleMs?: number;
  /**
   * Statuses of venue orders that mean "placed, then refused or rejected", so the venue
   * holds the key but the action did not execute (compared case-insensitively).
   * @default ['rejected', 'expired_in_match']
   */
  readonly notExecutedStatuses?: readonly string[];
}

/** The intent fields an audit line shows (no input). */
export interface AuditedIntent {
  readonly intentId: string;
  readonly operation: string;
  readonly scope: string;
  readonly businessId?: string;
  readonly status: IntentStatus;
  readonly view: IntentView;
  readonly venueKey: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly reason?: string;
}

/** A venue order carrying a key in this client's format that no intent knows. */
export interface Orphan {
  readonly order: VenueOrder;
  readonly why: string;
}

/** An intent the ledger holds as succeeded or in flight that the venue does not list. */
export interface Ghost {
  readonly intent: AuditedIntent;
  readonly why: string;
}

/** An unsettled intent the venue's list settles: the verdict to write with `resolve`. */
export interface Settlement {
  readonly intent: AuditedIntent;
  /** `executed`: the venue lists it; `notExecuted`: the complete list does not (or lists it as rejected). */
  readonly verdict: 'executed' | 'notExecuted';
  /** The venue's order, when listed. */
  readonly order?: VenueOrder;
  readonly why: string;
}

/** What {@link auditIntents} found. Empty `orphans`, `ghosts` and `settles`: ledger and venue agree. */
export interface AuditReport {
  /** Intents whose venue key the list shows, as the ledger expects. */
  readonly matched: number;
  readonly orphans: readonly Orphan[];
  readonly ghosts: readonly Ghost[];
  /** Unknown, parked or in-flight intents the list settles; apply with `resolve` after a look. */
  readonly settles: readonly Settlement[];
  /** Intents not judged: created before `listFrom`, or too young at `listedAt`. */
  readonly notJudged: number;
  /** The key pattern used to recognise this client's keys (`source`), or undefined when none. */
  readonly keyPattern?: string;
}

const DEFAULT_NOT_EXECUTED = ['rejected', 'expired_in_match'];

function audited(record: IntentRecord): AuditedIntent {
  return {
    intentId: record.id,
    operation: record.operation,
    scope: record.scope,
    ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
    status: record.status,
    view: viewOf(record),
    venueKey: record.venueKey,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.outcome?.reason === undefined ? {} : { reason: record.outcome.reason }),
  };
}

/** Regex-escapes one character for a character class. */
const classChar = (c: string): string => (/[\\\]^-]/.test(c) ? `\\${c}` : c);

/**
 * A pattern matching keys shaped like the ledger's own venue keys: the same length range
 * and the character classes they use (digits, lower, upper, and each other character
 * seen). Undefined for an empty ledger.
 */
export function inferKeyPattern(venueKeys: readonly string[]): RegExp | undefined {
  if (venueKeys.length === 0) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  const classes = new Set<string>();
  const others = new Set<string>();
  for (const key of venueKeys) {
    min = Math.min(min, key.length);
    max = Math.max(max, key.length);
    for (const c of key) {
      if (c >= '0' && c <= '9') classes.add('0-9');
      else if (c >= 'a' && c <= 'z') classes.add('a-z');
      else if (c >= 'A' && c <= 'Z') classes.add('A-Z');
      else others.add(c);
    }
  }
  const set = [...classes].sort().join('') + [...others].sort().map(classChar).join('');
  return new RegExp(`^[${set}]{${min},${max}}$`);
}

/**
 * Compares the ledger with the venue's list of orders:
 *
 * - **orphans**: venue orders whose key is in this client's format (`keyPattern`) and
 *   that no intent knows: placed by a process whose ledger was lost or restored from an
 *   older backup, or by another client with the same key format. A person decides.
 * - **ghosts**: intents the ledger holds as succeeded (or in flight) that the venue does
 *   not list although the list is complete for them: the venue lost or never had it, or
 *   the list is not the one the key went to (another account or symbol).
 * - **settles**: unknown, parked or in-flight intents the list settles: listed (executed)
 *   or, for a list complete for them, not listed (not executed). Offered, never applied
 *   here: apply with `resolveIntent` / `client.resolve` / `intentkey ledger resolve`.
 *
 * An intent is judged missing only when the list is complete for it: created at or after
 * `listFrom`, and last changed at least `settleMs` before `listedAt`.
 */
export function auditIntents(records: readonly IntentRecord[], orders: readonly VenueOrder[], options: AuditOptions): AuditReport {
  const settleMs = options.settleMs ?? 60_000;
  const listFrom = options.listFrom ?? 0;
  const notExecuted = new Set((options.notExecutedStatuses ?? DEFAULT_NOT_EXECUTED).map((s) => s.toLowerCase()));
  const byKey = new Map<string, VenueOrder[]>();
  for (const order of orders) byKey.set(order.key, [...(byKey.get(order.key) ?? []), order]);
  const known = new Set(records.map((r) => r.venueKey));
  const pattern = options.keyPattern ?? inferKeyPattern([...known]);

  let matched = 0;
  let notJudged = 0;
  const ghosts: Ghost[] = [];
  const settles: Settlement[] = [];
  for (const record of records) {
    const listed = byKey.get(record.venueKey);
    // The newest listing of the key is the one that speaks for the intent.
    const order = listed?.at(-1);
    const judged = record.createdAt >= listFrom && record.updatedAt + settleMs <= options.listedAt;
    const refused = order?.status !== undefined && notExecuted.has(order.status.toLowerCase());
    switch (record.status) {
      case 'succeeded':
        if (order && !refused) matched++;
        else if (!judged) notJudged++;
        else ghosts.push({ intent: audited(record), why: order ? `the venue lists it as ${order.status ?? 'refused'}` : 'the venue does not list its key' });
        break;
      case 'inFlight':
      case 'unknown':
        if (order && !refused) settles.push({ intent: audited(record), verdict: 'executed', order, why: `the venue lists it${order.status === undefined ? '' : ` (${order.status})`}` });
        else if (order && refused) settles.push({ intent: audited(record), verdict: 'notExecuted', order, why: `the venue lists it as ${order.status ?? 'refused'}` });
        else if (!judged) notJudged++;
        else settles.push({ intent: audited(record), verdict: 'notExecuted', why: 'the venue does not list its key, and the list is complete for it' });
        if (record.status === 'inFlight' && order === undefined && judged) {
          ghosts.push({ intent: audited(record), why: 'held as in flight, and the venue does not list its key' });
        }
        break;
      case 'failed':
        if (order && !refused) ghosts.push({ intent: audited(record), why: `held as failed, but the venue lists it${order.status === undefined ? '' : ` (${order.status})`}: it may have executed` });
        break;
      case 'pending':
        if (order && !refused) ghosts.push({ intent: audited(record), why: 'held as never sent, but the venue lists its key' });
        break;
    }
  }
  const orphans: Orphan[] = [];
  if (pattern) {
    for (const [key, listed] of byKey) {
      if (known.has(key) || !pattern.test(key)) continue;
      for (const order of listed) orphans.push({ order, why: "its key has this client's format and no intent in the ledger knows it" });
    }
  }
  return { matched, orphans, ghosts, settles, notJudged, ...(pattern ? { keyPattern: pattern.source } : {}) };
}
