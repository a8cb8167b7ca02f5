import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/classify/classify-response.js';
import { VENUE_NAMES } from '../../src/tools/explain.js';
import { binanceSpot } from '../../src/venues/index.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

interface ExplainJson {
  venue: string;
  code: string | null;
  status: number;
  statusFrom: string;
  outcome: { kind: string; conflict?: string; retryAfterMs?: number; scope?: string };
  rule: { name: string; source: string; index: number; unverified: boolean; matchText: string } | null;
  fallback: string | null;
  next: { action: string; text: string };
  sources: string[];
}

describe('intentkey explain', () => {
  it('text: the answer, the rule, the outcome, the next step and the sources (exit 0)', async () => {
    const run = await runCliInProcess(['explain', 'binance-spot', '-1007'], { now: NOW });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('HTTP 400 {"code":"-1007"} (usual error status:');
    expect(run.stdout).toMatch(/rule +binance-spot errors\[11\]: code -1000 or -1001 or -1006 or -1007 or -1008 -> unknown/);
    expect(run.stdout).toMatch(/outcome +unknown/);
    expect(run.stdout).toMatch(/next +reconcile: May have executed\. Look it up before any resend/);
    expect(run.stdout).toContain('binance/binance-spot-api-docs errors.md');
    expect(run.stdout).not.toContain('\u001b['); // not a terminal: no colour
  });

  it('--json: the outcome kind is what classifyResponse says of the same answer', async () => {
    const run = await runCliInProcess(['explain', 'binance-spot', '-2010', '--message', 'Duplicate order sent.', '--json'], { now: NOW });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ExplainJson;
    const reference = classifyResponse(binanceSpot, { status: 400, body: { code: -2010, msg: 'Duplicate order sent.' }, header: () => undefined }, NOW);
    expect(json.outcome.kind).toBe(reference.kind);
    expect(json.outcome.conflict).toBe('duplicate');
    expect(json.rule).toMatchObject({ source: 'venue', index: 8, unverified: false });
    expect(json.next.action).toBe('reconcile');
    expect(json.statusFrom).toBe('usual');
  });

  it('an unverified rule is flagged in text and JSON', async () => {
    const text = await runCliInProcess(['explain', 'square', 'IDEMPOTENCY_KEY_REUSED']);
    expect(text.stdout).toMatch(/errors\[0\].*UNVERIFIED/);
    expect(text.stdout).toMatch(/verified +no: the profile marks this rule unverified/);
    const json = JSON.parse((await runCliInProcess(['explain', 'square', 'IDEMPOTENCY_KEY_REUSED', '--json'])).stdout) as ExplainJson;
    expect(json.rule?.unverified).toBe(true);
    // Negative control: a verified rule of the same venue is not flagged.
    const verified = JSON.parse((await runCliInProcess(['explain', 'square', 'ACCESS_TOKEN_EXPIRED', '--status', '401', '--json'])).stdout) as ExplainJson;
    expect(verified.rule?.unverified).toBe(false);
  });

  it('no venue rule: says which default decides', async () => {
    const run = await runCliInProcess(['explain', 'gate', 'BALANCE_NOT_ENOUGH']);
    expect(run.stdout).toMatch(/rule +GENERIC_RULES\[5\]/);
    expect(run.stdout).toMatch(/default +no gate rule matched; the generic status rule for status 400 or 401/);
    expect(run.stdout).toMatch(/next +stop:/);
  });

  it('--status, --header and a status-only venue', async () => {
    const ban = JSON.parse((await runCliInProcess(['explain', 'binance-spot', '-1003', '--status', '418', '--header', 'Retry-After: 120', '--json'], { now: NOW })).stdout) as ExplainJson;
    expect(ban.outcome).toMatchObject({ kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 });
    expect(ban.statusFrom).toBe('given');
    expect(ban.next.action).toBe('wait');
    const adyen = JSON.parse((await runCliInProcess(['explain', 'adyen', '704', '--header', 'transient-error=true', '--json'])).stdout) as ExplainJson;
    expect(adyen.outcome).toMatchObject({ kind: 'conflict', conflict: 'inProgress' });
    const checkout = await runCliInProcess(['explain', 'checkout-com', '429']);
    expect(checkout.stdout).toContain('CODE taken as the status');
    expect(checkout.stdout).toMatch(/outcome +rateLimited/);
  });

  it.each([
    [['explain', 'binance', '-1007'], /VENUE: expected one of binance-spot, binance-usdm, .*braintree.*, received "binance"/],
    [['explain', 'binance-spot', '-1007', '--status', '99'], /--status: expected an HTTP status from 100 to 599, received "99"/],
    [['explain', 'binance-spot', '-1007', '--status', 'abc'], /--status: expected/],
    [['explain', 'binance-spot', '-1007', '--header', 'no-separator'], /--header: expected NAME: VALUE/],
    [['explain', 'binance-spot', ''], /CODE: expected/],
    [['venues', 'nope'], /VENUE: expected one of .*okx/],
  ])('%j is bad usage (exit 2)', async (args, message) => {
    const run = await runCliInProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('a missing CODE is bad usage from commander (exit 2)', async () => {
    const run = await runCliInProcess(['explain', 'binance-spot']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument 'code'/);
  });

  it('colour on a terminal, none with NO_COLOR', async () => {
    const tty = await runCliInProcess(['explain', 'binance-spot', '-1013'], { tty: true });
    expect(tty.stdout).toContain('\u001b[31mfatal\u001b[39m');
    const noColour = await runCliInProcess(['explain', 'binance-spot', '-1013'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColour.stdout).not.toContain('\u001b[');
  });

  it('help has examples', async () => {
    const run = await runCliInProcess(['explain', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('$ intentkey explain binance-spot -1007');
  });

  it('the built bin explains binance-spot -1007 as JSON (child process)', async () => {
    const run = await runBuiltCli(['explain', 'binance-spot', '-1007', '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as ExplainJson;
    expect(json).toMatchObject({ venue: 'binance-spot', code: '-1007', status: 400, outcome: { kind: 'unknown' }, rule: { name: 'binance-spot errors[11]' } });
    expect(json.next.action).toBe('reconcile');
  });
});

describe('intentkey venues', () => {
  it('lists the 16 venue profiles side by side', async () => {
    const run = await runCliInProcess(['venues']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^venue +key +format +dedupe +lookup +not found trusted$/);
    for (const name of VENUE_NAMES) expect(lines.some((l) => l.startsWith(`${name} `)), name).toBe(true);
    expect(lines.find((l) => l.startsWith('binance-spot '))).toMatch(/query newClientOrderId +verbatim, max 36 chars +open orders only +GET \/api\/v3\/order \(origClientOrderId\) +after 61 s/);
    expect(lines.find((l) => l.startsWith('checkout-com '))).toMatch(/key store 1 d \(successes only\)/);
  });

  it('--json: one summary per venue', async () => {
    const json = JSON.parse((await runCliInProcess(['venues', '--json'])).stdout) as Array<{ name: string; dedupe: string; notFoundAuthoritative: boolean }>;
    expect(json.map((s) => s.name)).toEqual(VENUE_NAMES);
    expect(json.find((s) => s.name === 'stripe')).toMatchObject({ dedupe: 'keyStore' });
  });

  it('one venue in full: rules with their index and verification, sources, unverified facts', async () => {
    const run = await runCliInProcess(['venues', 'okx']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ +5 +code 50042 +conflictDuplicate +UNVERIFIED$/m);
    expect(run.stdout).toMatch(/^ +3 +code 51016 +conflictDuplicate +yes$/m);
    expect(run.stdout).toContain('Sources:');
    expect(run.stdout).toContain('Unverified:');
    const json = JSON.parse((await runCliInProcess(['venues', 'okx', '--json'])).stdout) as { summary: { name: string }; profile: { errors: unknown[] } };
    expect(json.summary.name).toBe('okx');
    expect(json.profile.errors).toHaveLength(11);
  });
});
