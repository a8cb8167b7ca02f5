import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntentDraft } from '../../../../src/index.js';
import { FileLedger } from '../../../../src/stores/file/file-ledger.js';
import { encodeStoredBody, rawSummary, summarizeLeading, summarizeRaw, summarizeRecord } from '../../../../src/stores/file/stored-record.js';

const summarize = (text: string): ReturnType<typeof summarizeRecord> => {
  const bytes = Buffer.concat([Buffer.from('xx'), Buffer.from(text), Buffer.from('yy')]);
  return summarizeRecord(bytes, 2, bytes.length - 2);
};

describe('summarizeRecord', () => {
  it('reads the top-level id, status and updatedAt, ignoring the same keys nested in values', () => {
    const record = {
      input: { status: 'pending', id: 'inner', updatedAt: 1, note: 'a "quoted" } ] { [ \\ value' },
      id: 'I1',
      outcome: { kind: 'success', result: [{ status: 'FILLED' }, 'x}"'] },
      status: 'succeeded',
      updatedAt: 1_700_000_000_123,
    };
    expect(summarize(JSON.stringify(record))).toEqual({ id: 'I1', status: 'succeeded', updatedAt: 1_700_000_000_123 });
    expect(summarize(JSON.stringify(record, null, 2))).toEqual({ id: 'I1', status: 'succeeded', updatedAt: 1_700_000_000_123 });
  });

  it('answers undefined (parse in full) for missing fields, escapes in needed values, non-objects and malformed text', () => {
    expect(summarize('{"id":"a","status":"succeeded"}')).toBeUndefined();
    expect(summarize('{"id":"a\\"b","status":"succeeded","updatedAt":1}')).toBeUndefined();
    expect(summarize('{"id":"a","status":"succeeded","updatedAt":"1"}')).toBeUndefined();
    expect(summarize('{"id":1,"status":"succeeded","updatedAt":1}')).toBeUndefined();
    expect(summarize('[1,2]')).toBeUndefined();
    expect(summarize('{"id":"a","status":"succeeded","updatedAt":1')).toBeUndefined();
    expect(summarize('{"id":"a","status":"succeeded","updatedAt":1}x')).toBeUndefined();
  });

  it('agrees with JSON.parse whenever it answers (random records)', () => {
    const status = fc.constantFrom('pending', 'inFlight', 'succeeded', 'failed', 'unknown');
    fc.assert(
      fc.property(fc.string(), status, fc.integer({ min: 0, max: 2 ** 52 }), fc.jsonValue(), fc.jsonValue(), (id, st, updatedAt, input, extra) => {
        const text = JSON.stringify({ input, id, status: st, extra, updatedAt });
        const parsed = JSON.parse(text) as { id: string; status: string; updatedAt: number };
        const fast = summarize(text);
        if (fast !== undefined) expect(fast).toEqual({ id: parsed.id, status: parsed.status, updatedAt: parsed.updatedAt });
        else expect(/[\\"]/.test(JSON.stringify(id).slice(1, -1))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeStoredBody and summarizeLeading', () => {
  const status = fc.constantFrom('pending', 'inFlight', 'succeeded', 'failed', 'unknown');

  it('writes id, status and updatedAt first and is otherwise the same JSON (an older reader parses it alike)', () => {
    const record = { scope: 's', input: { id: 'inner', status: 'x' }, createdAt: 5, updatedAt: 9, status: 'failed', id: 'I1', attempt: 2 };
    const text = encodeStoredBody(record).toString('utf8');
    expect(text.startsWith('{"id":"I1","status":"failed","updatedAt":9,"scope":"s","input":')).toBe(true);
    expect(JSON.parse(text)).toEqual(record);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['id', 'status', 'updatedAt', 'scope', 'input', 'createdAt', 'attempt']);
  });

  it('agrees with summarizeRaw (and JSON.parse) on new-order bodies, and declines old-order ones', () => {
    fc.assert(
      fc.property(fc.string(), status, fc.integer({ min: 0, max: 2 ** 52 }), fc.jsonValue(), (id, st, updatedAt, input) => {
        const record = { input, id, status: st, extra: 1, updatedAt };
        const plainNumber = String(updatedAt).length <= 15;
        const fresh = encodeStoredBody(record);
        const lead = rawSummary();
        const raw = rawSummary();
        const fast = summarizeLeading(fresh, 0, fresh.length, lead);
        const slow = summarizeRaw(fresh, 0, fresh.length, raw);
        // It answers whenever the id has no escapes (the status never has any here) and
        // updatedAt has at most 15 digits (always exact; larger ones go the general way).
        expect(fast).toBe(plainNumber && !/[\\"]/.test(JSON.stringify(id).slice(1, -1)));
        if (fast) {
          expect(slow).toBe(true);
          expect(lead).toEqual(raw);
          expect(fresh.toString('utf8', lead.idStart, lead.idEnd)).toBe(id);
          expect(lead.updatedAt).toBe(updatedAt);
        }
        const old = Buffer.from(JSON.stringify(record));
        expect(summarizeLeading(old, 0, old.length, rawSummary())).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('declines near misses: spaces, a leading zero, 16 digits, a non-integer, a missing field', () => {
    for (const text of [
      '{ "id":"a","status":"succeeded","updatedAt":1}',
      '{"id":"a","status":"succeeded","updatedAt":01}',
      '{"id":"a","status":"succeeded","updatedAt":1234567890123456}',
      '{"id":"a","status":"succeeded","updatedAt":1.5}',
      '{"id":"a","status":"succeeded","updatedAt":-1}',
      '{"id":"a","status":"succeeded","updatedAt":1',
      '{"id":"a\\"b","status":"succeeded","updatedAt":1}',
      '{"id":"a","status":"succeeded"}',
    ]) {
      const b = Buffer.from(text);
      expect(summarizeLeading(b, 0, b.length, rawSummary()), text).toBe(false);
    }
    const ok = Buffer.from('xx{"id":"a","status":"succeeded","updatedAt":0}yy');
    const out = rawSummary();
    expect(summarizeLeading(ok, 2, ok.length - 2, out)).toBe(true);
    expect(out).toEqual({ idStart: 9, idEnd: 10, statusStart: 22, statusEnd: 31, updatedAt: 0 });
  });
});

describe('FileLedger keeps finished intents read back from disk as bytes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const draft = (id: string): IntentDraft => ({
    id, scope: 's', operation: 'op', businessId: id, venue: 'v', key: `K${id}`, venueKey: `K${id}`,
    fingerprint: 'f'.repeat(64), input: { qty: '1', status: 'nested' }, createdAt: 1000,
  });

  it('returns them unchanged after a reopen and a compaction, and drops them after retention', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'intentkey-enc-')), 'ledger');
    dirs.push(join(dir, '..'));
    let now = 10_000;
    const clock = { now: () => now };
    let ledger = await FileLedger.open({ dir, clock, retentionMs: 50_000 });
    await ledger.create(draft('done'), 1000);
    await ledger.transition('done', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 2000 });
    const done = await ledger.transition('done', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', now: 3000, outcome: { kind: 'success', reason: 'HTTP 200', result: { orderId: 7 } } });
    await ledger.create(draft('open'), 1000);
    await ledger.compact();
    await ledger.close();

    ledger = await FileLedger.open({ dir, clock, retentionMs: 50_000 });
    await ledger.compact(); // writes the encoded record's bytes into a new snapshot
    await ledger.close();
    ledger = await FileLedger.open({ dir, clock, retentionMs: 50_000 });
    expect(ledger.size).toBe(2);
    expect(await ledger.get('done')).toEqual(done);
    expect((await ledger.create(draft('done'), 5000)).created).toBe(false);
    expect((await ledger.listResumable()).map((r) => r.id)).toEqual(['open']);
    await ledger.close();

    now = 100_000; // past retention for 'done' (updatedAt 3000)
    ledger = await FileLedger.open({ dir, clock, retentionMs: 50_000 });
    await ledger.compact();
    expect(ledger.size).toBe(1);
    expect(await ledger.get('done')).toBeUndefined();
    await ledger.close();
  });
});
