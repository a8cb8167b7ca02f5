import axios from 'axios';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IntentClient, IntentEventMap, IntentLogger } from '../../src/index.js';
import { createIntentClient, defineVenue, MemoryLedger } from '../../src/index.js';
import { LOGGED_EVENTS } from '../../src/observability/logger.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import {
  carriedText,
  checklistJsonSchema,
  checklistMarkdown,
  INCIDENTS,
  isIncident,
  JSON_SCHEMA_DIALECT,
  LOG_FIELD_CATALOGUE,
  logFieldChecklist,
  type Incident,
} from '../../src/tools/log-fields.js';
import { scripted, scriptedExchange, type Answer, type Sent } from '../helpers/scripted-adapter.js';

// ---------------------------------------------------------------------------------
// Ground truth: a real client, with the `logger` option, driven through every path
// the checklist talks about against a scripted in-process venue. Every "carried by
// intentkey" claim of the catalogue must be found in what it actually wrote.
// ---------------------------------------------------------------------------------

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

type Recorded = { [K in keyof IntentEventMap]?: unknown[] };

/** The scripted exchange, with usage headers, a venue ban and a duplicate code added. */
const exchange = defineVenue({
  ...scriptedExchange('lf-exchange'),
  rateLimit: { retryAfterHeaders: ['retry-after'], usage: [{ header: 'x-used', reports: 'used', limit: 10, windowMs: 60_000 }] },
  errors: [
    { match: { status: 418 }, outcome: 'rateLimited', scope: 'venue', waitMs: 5_000 },
    { match: { code: 'DUP' }, outcome: 'conflictDuplicate' },
    { match: { status: 400 }, outcome: 'fatal' },
  ],
});

/** The same venue with a short key store that replays, to reach key expiry and replays. */
const keyStore = defineVenue({
  ...exchange,
  name: 'lf-keystore',
  key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } },
  dedupe: { kind: 'keyStore', retentionMs: 1_000 },
  response: { ...exchange.response, replayedHeader: 'idempotent-replayed' },
});

type Scenario = 'ok' | 'drop-found' | 'rate-limit' | 'ban' | 'duplicate' | 'inconclusive' | 'refuse' | 'expire' | 'replay';

/** Answers by the order's `s` parameter; a lookup answers for the key's first order. */
function venueScript(clock: ManualClock): (req: Sent) => Answer {
  const orders = new Map<string, number>();
  const posts = new Map<string, number>();
  const inconclusive = new Set<string>();
  return (req) => {
    const fromQuery = req.params.clientId;
    const fromHeader = req.headers.get('idempotency-key');
    const id = typeof fromQuery === 'string' ? fromQuery : typeof fromHeader === 'string' ? fromHeader : '';
    if (req.method === 'GET') {
      if (inconclusive.has(id)) return { status: 500, data: { code: 'E500', msg: 'lookup failed' } };
      const order = orders.get(id);
      return order === undefined ? { status: 404, data: { code: '404' } } : { status: 200, data: { orderId: order } };
    }
    const n = (posts.get(id) ?? 0) + 1;
    posts.set(id, n);
    const s = req.params.s as Scenario;
    const fill = (): { status: number; data: unknown; headers: Record<string, string> } => {
      const order = orders.get(id) ?? orders.size + 1;
      orders.set(id, order);
      return { status: 200, data: { orderId: order }, headers: { 'x-used': '3' } };
    };
    switch (s) {
      case 'inconclusive':
        inconclusive.add(id);
        orders.set(id, orders.size + 1);
        return 'drop';
      case 'drop-found':
        orders.set(id, orders.size + 1);
        return 'drop';
      case 'rate-limit':
        return n === 1 ? { status: 429, data: { code: 'RL', msg: 'slow down' }, headers: { 'retry-after': '2' } } : { ...fill(), headers: { 'x-used': '10' } };
      case 'ban':
        return n === 1 ? { status: 418, data: { code: 'BAN', msg: 'banned for a while' } } : fill();
      case 'duplicate':
        orders.set(id, orders.size + 1);
        return { status: 400, data: { code: 'DUP', msg: 'duplicate order' } };
      case 'refuse':
        return { status: 400, data: { code: 'BAD', msg: 'invalid quantity' } };
      case 'expire':
        orders.set(id, orders.size + 1);
        clock.advance(5_000); // the answer is lost after the key window passed
        return 'drop';
      case 'replay':
        if (n === 1) {
          orders.set(id, orders.size + 1);
          return 'drop';
        }
        return { status: 200, data: { orderId: orders.get(id) }, headers: { 'idempotent-replayed': 'true' } };
      default:
        return fill();
    }
  };
}

function collectingLogger(lines: Line[]): IntentLogger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function makeClient(venue: typeof exchange, clock: ManualClock, lines: Line[], seen: Recorded, ledger = new MemoryLedger()): IntentClient {
  const on = Object.fromEntries(LOGGED_EVENTS.map((name) => [name, (e: unknown) => (seen[name] ??= []).push(e)]));
  const { adapter } = scripted(clock, venueScript(clock));
  return createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test/api' }), {
    venue,
    ledger,
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(7),
    retry: { maxAttempts: 4, deadlineMs: 3_600_000 },
    maxLookups: 2,
    attemptTimeoutMs: 1_000,
    logger: collectingLogger(lines),
    on,
  });
}

const lines: Line[] = [];
const seen: Recorded = {};

beforeAll(async () => {
  const clock = new ManualClock({ now: Date.UTC(2026, 0, 5, 12) });
  const ledger = new MemoryLedger();
  const client = makeClient(exchange, clock, lines, seen, ledger);
  const order = client.operation('order.create', { request: (o: { s: Scenario; q?: number }) => ({ method: 'POST', url: '/order', params: { s: o.s, q: o.q ?? 1 } }) });
  const settle = async (p: Promise<unknown>): Promise<void> => {
    await p.catch(() => undefined);
  };
  for (const s of ['ok', 'drop-found', 'rate-limit', 'ban', 'duplicate', 'inconclusive', 'refuse'] as const) await settle(order({ s }, { businessId: `biz-${s}` }));
  // The same business id with another payload.
  await settle(order({ s: 'ok', q: 2 }, { businessId: 'biz-ok' }));
  // A crash: an intent left in the ledger, then a recovery pass.
  const draft = client.prepare(order, { s: 'ok', q: 3 }, { businessId: 'biz-crash' });
  await ledger.create(draft, draft.createdAt);
  await client.startRecovery().done;
  await client.close();

  const storeClock = new ManualClock({ now: Date.UTC(2026, 0, 5, 13) });
  const store = makeClient(keyStore, storeClock, lines, seen);
  const pay = store.operation('pay', { request: (o: { s: Scenario }) => ({ method: 'POST', url: '/order', params: { s: o.s } }) });
  await settle(pay({ s: 'expire' }, { businessId: 'biz-expire' }));
  await settle(pay({ s: 'replay' }, { businessId: 'biz-replay' }));
  await store.close();
});

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

describe('"carried by intentkey" is true to the code', () => {
  const logClaims = LOG_FIELD_CATALOGUE.flatMap((f) => f.carried.log.map((event) => [f.name, event] as const));
  const eventClaims = LOG_FIELD_CATALOGUE.flatMap((f) => f.carried.events.map((claim) => [f.name, claim] as const));

  it('the scenarios produced lines', () => {
    expect(lines.length).toBeGreaterThan(30);
  });

  it.each(logClaims)('%s is on a logged %s line', (field, event) => {
    const ofEvent = lines.filter((l) => l.fields.event === event);
    expect(ofEvent.length, `no ${event} line was logged`).toBeGreaterThan(0);
    expect(ofEvent.some((l) => l.fields[field] !== undefined), `${field} on no ${event} line`).toBe(true);
  });

  it.each(eventClaims)('%s is in the %s event payload', (_field, claim) => {
    const [event, ...path] = claim.split('.');
    const payloads = seen[event as keyof IntentEventMap] ?? [];
    expect(payloads.length, `no ${String(event)} event was emitted`).toBeGreaterThan(0);
    expect(payloads.some((p) => readPath(p, path) !== undefined), `${claim} in no payload`).toBe(true);
  });

  it('fields claimed not logged are in no log line (negative control)', () => {
    for (const field of LOG_FIELD_CATALOGUE.filter((f) => f.carried.log.length === 0)) {
      expect(lines.some((l) => l.fields[field.name] !== undefined), field.name).toBe(false);
    }
  });

  it('the examples of logged fields have the shape of the logged values', () => {
    for (const field of LOG_FIELD_CATALOGUE.filter((f) => f.carried.log.length > 0)) {
      const logged = lines.map((l) => l.fields[field.name]).find((v) => v !== undefined);
      expect(typeof logged, field.name).toBe(typeof field.example);
    }
    const fingerprint = lines.map((l) => l.fields.fingerprint).find((v) => v !== undefined);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(LOG_FIELD_CATALOGUE.find((f) => f.name === 'fingerprint')?.example).toMatch(/^[0-9a-f]{64}$/);
  });

  it('every catalogue field that intentkey does not carry says who adds it', () => {
    for (const field of LOG_FIELD_CATALOGUE.filter((f) => f.carried.log.length === 0)) expect(field.addedBy, field.name).toBeTruthy();
  });
});

describe('logFieldChecklist', () => {
  it('each incident has its own fields, every one with a reason for that incident', () => {
    for (const incident of INCIDENTS) {
      const rows = logFieldChecklist(incident);
      expect(rows.length, incident).toBeGreaterThanOrEqual(5);
      for (const row of rows) {
        expect(row.incidents).toEqual([incident]);
        expect(row.why[incident]).toBeTruthy();
      }
    }
  });

  it.each([
    ['key-conflict', ['fingerprint', 'storedFingerprint', 'businessId'], ['retryAfterMs', 'resumeAt']],
    ['rate-limit-ban', ['retryAfterMs', 'limitScope', 'resumeAt', 'cause'], ['storedFingerprint']],
    ['expired-key', ['when', 'venueKey'], ['storedFingerprint', 'resumeAt']],
    ['crash-recovery', ['resumed', 'via', 'recovered', 'needsPerson'], ['retryAfterMs']],
    ['ambiguous-timeout', ['verdict', 'correlationId', 'requestWindowMs'], ['storedFingerprint']],
    ['duplicate-order', ['venueOrderId', 'venueKey', 'resent', 'venueDuplicate'], ['resumeAt']],
  ] as const)('%s includes %j and not %j', (incident, included, excluded) => {
    const names = logFieldChecklist(incident).map((r) => r.name);
    for (const name of included) expect(names).toContain(name);
    for (const name of excluded) expect(names).not.toContain(name);
  });

  it('without an incident: the union, each row naming the incidents that need it', () => {
    const all = logFieldChecklist();
    const union = new Set(INCIDENTS.flatMap((i) => logFieldChecklist(i).map((r) => r.name)));
    expect(new Set(all.map((r) => r.name))).toEqual(union);
    for (const row of all) {
      for (const incident of INCIDENTS) expect(row.incidents.includes(incident)).toBe(logFieldChecklist(incident).some((r) => r.name === row.name));
    }
  });

  it('carried flags follow the claims', () => {
    const byName = new Map(logFieldChecklist().map((r) => [r.name, r]));
    const row = (name: string) => {
      const found = byName.get(name);
      if (found === undefined) throw new Error(`no ${name}`);
      return found;
    };
    expect(byName.get('venueKey')?.carriedByIntentkey).toBe(true);
    expect(carriedText(row('venueKey'))).toMatch(/^events: attemptStarted\.venueKey; not logged/);
    expect(byName.get('venueOrderId')?.carriedByIntentkey).toBe(false);
    expect(carriedText(row('venueOrderId'))).toMatch(/^no: /);
  });

  it('isIncident', () => {
    expect(isIncident('duplicate-order')).toBe(true);
    expect(isIncident('duplicate')).toBe(false);
  });
});

/** Keywords of JSON Schema draft 2020-12 (core, applicator, validation, meta-data) used or allowed here. */
const DRAFT_2020_12_KEYWORDS = new Set([
  '$schema', '$id', '$comment', '$defs', 'title', 'description', 'type', 'properties', 'additionalProperties', 'required', 'examples', 'default',
]);
const JSON_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array', 'null']);

function jsonTypeOf(value: unknown): string {
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

describe('checklistJsonSchema (draft 2020-12, checked by structure)', () => {
  it.each([...INCIDENTS, undefined])('%s', (incident?: Incident) => {
    const schema = checklistJsonSchema(incident);
    // A JSON document: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(JSON_SCHEMA_DIALECT).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(String(schema.$id)).toMatch(/^urn:intentkey:log-fields:/);
    for (const keyword of Object.keys(schema)) expect(DRAFT_2020_12_KEYWORDS.has(keyword), keyword).toBe(true);
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual(logFieldChecklist(incident).map((r) => r.name));
    for (const [name, property] of Object.entries(properties)) {
      for (const keyword of Object.keys(property)) expect(DRAFT_2020_12_KEYWORDS.has(keyword), `${name}.${keyword}`).toBe(true);
      expect(JSON_TYPES.has(String(property.type)), name).toBe(true);
      expect(typeof property.description).toBe('string');
      // 2020-12 `examples` is an array; each example has the declared type.
      expect(Array.isArray(property.examples)).toBe(true);
      for (const example of property.examples as unknown[]) {
        const t = jsonTypeOf(example);
        expect(property.type === 'number' ? t === 'number' || t === 'integer' : t === property.type, `${name}: ${String(example)} is ${t}`).toBe(true);
      }
    }
  });
});

describe('checklistMarkdown', () => {
  it('one table row per field, with the why of that incident and the carried column', () => {
    const md = checklistMarkdown('rate-limit-ban');
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(logFieldChecklist('rate-limit-ban').length);
    expect(md).toContain('| field | type | example | why | carried by intentkey |');
    expect(rows.find((r) => r.startsWith('| `resumeAt`'))).toMatch(/log lines: rateLimitUsage/);
    expect(rows.find((r) => r.startsWith('| `clockSkewMs`'))).toMatch(/\| no: your code/);
  });

  it('the union has a "needed for" column', () => {
    const md = checklistMarkdown();
    expect(md).toContain('| field | type | example | needed for | why | carried by intentkey |');
    expect(md.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(logFieldChecklist().length);
  });
});
