import { Agent } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, FileLedger, isAmbiguousOutcomeError, type IntentClient } from '../../src/index.js';
import { startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import type { VenueProfile } from '../../src/venues/profile.js';
import { orderFromRow, parseOrderExport } from '../../src/cli/commands/audit.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testExchange } from '../helpers/profiles.js';

/** No lookup: an unknown market order is a person's problem until the venue's list settles it. */
const exchange: VenueProfile = {
  ...testExchange,
  name: 'audit-exchange',
  key: { placement: 'query', field: 'newClientOrderId', format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9]{1,36}$', maxLength: 36 } },
};

let venue: FakeVenue;
let proxy: FaultProxy;
let root: string;
let dir: string;
const ids: Record<string, string> = {};
const ORPHAN = '01JORPHANAAAAAAAAAAAAAAAAA';
const GHOST_KEY = '01JGHOSTAAAAAAAAAAAAAAAAAA';

function bot(ledger: FileLedger): { client: IntentClient; place: (businessId: string) => Promise<unknown> } {
  const http = axios.create({ baseURL: proxy.url, httpAgent: new Agent({ keepAlive: false }), timeout: 5_000 });
  const client = createIntentClient(http, { venue: exchange, ledger });
  const op = client.operation('order.create', {
    request: (input: { businessId: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', businessId: input.businessId } }),
  });
  return { client, place: (businessId) => op({ businessId }, { businessId }) };
}

beforeAll(async () => {
  venue = await startFakeVenue({ mode: 'exchange' });
  // Seeded by request: one write executes and loses its answer, one never reaches the venue.
  proxy = await startFaultProxy({
    upstream: venue.url,
    seed: 3,
    toxic: (info) =>
      info.head.includes('businessId=b-lost-answer') ? { kind: 'resetAfterRequest' } : info.head.includes('businessId=b-never-arrived') ? { kind: 'resetBeforeRequest' } : { kind: 'none' },
  });
  root = mkdtempSync(join(tmpdir(), 'ik-audit-'));
  dir = join(root, 'ledger');
  const ledger = await FileLedger.open({ dir });
  const { client, place } = bot(ledger);
  await place('b-ok');
  for (const b of ['b-lost-answer', 'b-never-arrived']) {
    const error: unknown = await place(b).catch((e: unknown) => e);
    expect(isAmbiguousOutcomeError(error)).toBe(true);
  }
  for (const s of await client.list()) ids[s.businessId ?? ''] = s.intentId;
  // Injected ghost: the ledger says succeeded, the venue never had it (e.g. a ledger restored onto the wrong account).
  const now = Date.now() - 120_000;
  await ledger.create({ id: 'ghost-1', scope: 'default', operation: 'order.create', businessId: 'b-ghost', venue: exchange.name, key: GHOST_KEY, venueKey: GHOST_KEY, fingerprint: '0'.repeat(64), input: { businessId: 'b-ghost' }, createdAt: now }, now);
  await ledger.transition('ghost-1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now });
  await ledger.transition('ghost-1', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200' }, now });
  await client.close();
  // Injected orphan: an order in this client's key format that no intent knows; and a manual order.
  await axios.post(`${venue.url}/api/v3/order`, null, { params: { symbol: 'BTCUSDT', type: 'MARKET', newClientOrderId: ORPHAN, businessId: 'b-orphan' } });
  await axios.post(`${venue.url}/api/v3/order`, null, { params: { symbol: 'BTCUSDT', type: 'MARKET', newClientOrderId: 'manual-1', businessId: 'b-manual' } });
  writeFileSync(join(root, 'orders.mjs'), 'export default async function fetchOrders() {\n  const response = await fetch(`${process.env.VENUE_URL}/api/v3/allOrders`);\n  return response.json();\n}\n');
}, 60_000);

afterAll(async () => {
  await proxy.close();
  await venue.close();
  rmSync(root, { recursive: true, force: true });
});

interface AuditJson {
  matched: number;
  orphans: Array<{ order: { key: string } }>;
  ghosts: Array<{ intent: { intentId: string } }>;
  settles: Array<{ intent: { intentId: string }; verdict: string }>;
  applied?: Array<{ intentId: string; applied: boolean }>;
}

describe('intentkey audit against the fake venue', () => {
  it('--fetch (built bin): finds the injected orphan and ghost and settles both unknown intents, exit 3', async () => {
    const run = await runBuiltCli(['audit', '--dir', dir, '--fetch', join(root, 'orders.mjs'), '--settle', '0s', '--json'], { env: { VENUE_URL: venue.url } });
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(run.stdout) as AuditJson;
    expect(report.matched).toBe(1);
    expect(report.orphans.map((o) => o.order.key)).toEqual([ORPHAN]);
    expect(report.ghosts.map((g) => g.intent.intentId)).toEqual(['ghost-1']);
    expect(report.settles.map((s) => [s.intent.intentId, s.verdict])).toEqual(
      expect.arrayContaining([
        [ids['b-lost-answer'], 'executed'],
        [ids['b-never-arrived'], 'notExecuted'],
      ]),
    );
    expect(report.settles).toHaveLength(2);
  });

  it('--orders as JSON Lines and as CSV give the same report as --fetch', async () => {
    const rows = (await axios.get<Array<Record<string, unknown>>>(`${venue.url}/api/v3/allOrders`)).data;
    writeFileSync(join(root, 'orders.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(root, 'orders.csv'), ['Order ID,Client Order ID,Status', ...rows.map((r) => `${String(r.orderId)},"${String(r.clientOrderId)}",${String(r.status)}`)].join('\n') + '\n');
    const jsonl = await runCliInProcess(['audit', '--dir', dir, '--orders', join(root, 'orders.jsonl'), '--settle', '0s', '--json']);
    const csv = await runCliInProcess(['audit', '--dir', dir, '--orders', join(root, 'orders.csv'), '--key-field', 'Client Order ID', '--settle', '0s', '--json']);
    expect(jsonl.code).toBe(3);
    expect(csv.code).toBe(3);
    const a = JSON.parse(jsonl.stdout) as AuditJson;
    const b = JSON.parse(csv.stdout) as AuditJson;
    expect(b.orphans.map((o) => o.order.key)).toEqual(a.orphans.map((o) => o.order.key));
    expect(b.ghosts).toEqual(a.ghosts);
    expect(b.settles.map((s) => s.verdict)).toEqual(a.settles.map((s) => s.verdict));
  });

  it('text output names each finding and prints the resolve commands', async () => {
    // The --fetch module runs in this process here: it reads this process's environment.
    process.env.VENUE_URL = venue.url;
    const withEnv = await runCliInProcess(['audit', '--dir', dir, '--fetch', join(root, 'orders.mjs'), '--settle', '0s']);
    delete process.env.VENUE_URL;
    expect(withEnv.code).toBe(3);
    expect(withEnv.stdout).toContain('Orphans (1)');
    expect(withEnv.stdout).toContain(ORPHAN);
    expect(withEnv.stdout).toContain('Ghosts (1)');
    expect(withEnv.stdout).toContain(`intentkey ledger resolve ${ids['b-never-arrived'] ?? '?'} --not-executed`);
  });

  it('bad usage: neither or both of --orders/--fetch, a bad regex, a missing file', async () => {
    expect((await runCliInProcess(['audit', '--dir', dir])).code).toBe(2);
    expect((await runCliInProcess(['audit', '--dir', dir, '--orders', 'a', '--fetch', 'b'])).code).toBe(2);
    expect((await runCliInProcess(['audit', '--dir', dir, '--orders', join(root, 'orders.jsonl'), '--key-pattern', '('])).code).toBe(2);
    const missing = await runCliInProcess(['audit', '--dir', dir, '--orders', join(root, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--orders: expected a readable file/);
  });

  it('--resolve applies the verdicts; a restarted bot then sends only the one that never arrived: one execution each', async () => {
    const run = await runBuiltCli(['audit', '--dir', dir, '--fetch', join(root, 'orders.mjs'), '--settle', '0s', '--resolve', '--by', 'ops', '--json'], { env: { VENUE_URL: venue.url } });
    const report = JSON.parse(run.stdout) as AuditJson;
    expect(report.applied?.every((a) => a.applied)).toBe(true);
    // Orphan and ghost remain for a person.
    expect(run.code).toBe(3);
    // The network is healthy again when the bot restarts.
    proxy.setToxic(() => ({ kind: 'none' }));
    const ledger = await FileLedger.open({ dir });
    const { client } = bot(ledger);
    const recovery = await client.recover();
    expect(recovery).toMatchObject({ resumed: 1, succeeded: 1 });
    await client.close();
    expect(venue.executionsOf('b-ok')).toBe(1);
    expect(venue.executionsOf('b-lost-answer')).toBe(1);
    expect(venue.executionsOf('b-never-arrived')).toBe(1);
    expect(venue.stats().duplicates).toBe(0);
    // Afterwards only the orphan and the ghost are left for a person.
    const again = await runBuiltCli(['audit', '--dir', dir, '--fetch', join(root, 'orders.mjs'), '--settle', '0s', '--json'], { env: { VENUE_URL: venue.url } });
    const left = JSON.parse(again.stdout) as AuditJson;
    expect([left.orphans.length, left.ghosts.length, left.settles.length, left.matched]).toEqual([1, 1, 0, 3]);
  });
});

describe('venue rows', () => {
  it.each([
    [{ clientOrderId: 'k1', orderId: 7, status: 'FILLED', time: 1_700_000_000_000 }, undefined, { key: 'k1', id: '7', status: 'FILLED', createdAt: 1_700_000_000_000 }],
    [{ clOrdId: 'k2', ordId: '9', state: 'filled', cTime: '1700000000000' }, undefined, { key: 'k2', id: '9', status: 'filled', createdAt: 1_700_000_000_000 }],
    [{ orderLinkId: 'k3', created: 1_700_000_000 }, undefined, { key: 'k3', createdAt: 1_700_000_000_000 }],
    [{ metadata: { intentkey_key: 'k4' }, id: 'pi_1', status: 'succeeded' }, 'metadata.intentkey_key', { key: 'k4', id: 'pi_1', status: 'succeeded' }],
    [{ orderId: 8 }, undefined, undefined],
  ])('%j', (row, keyField, expected) => {
    expect(orderFromRow(row, keyField)).toEqual(expected);
  });

  it('parses CSV with quoted cells and JSON arrays', () => {
    expect(parseOrderExport('a,b\n"x,1","say ""hi"""\n', 'o.csv')).toEqual([{ a: 'x,1', b: 'say "hi"' }]);
    expect(parseOrderExport('{"orders":[{"key":"k"}]}', 'o.json')).toEqual([{ key: 'k' }]);
  });
});
