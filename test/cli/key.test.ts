import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../src/keys/index.js';
import type { KeyDesign } from '../../src/tools/index.js';
import { VENUE_PROFILES, stripe } from '../../src/venues/index.js';
import { stripAnsi } from '../../src/cli/io.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';

/** 2026-12-07T03:00:00.000Z */
const NOW = Date.UTC(2026, 11, 7, 3);
const ISO = '2026-12-07T03:00:00.000Z';
const ANSI = new RegExp(String.fromCharCode(27) + '\\[');
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

const SECRET = 'a-long-deployment-secret-0042';
const DERIVED_ARGS = ['--strategy', 'derived', '--secret-env', 'KEY_SECRET', '--scope', 'acct-42', '--operation', 'order.create', '--business-id', 'inv-1182'];

const key = (args: readonly string[], options: Parameters<typeof runCliInProcess>[1] = {}) => runCliInProcess(['key', ...args], { now: NOW, ...options });

function parse(stdout: string): KeyDesign {
  return JSON.parse(stdout) as KeyDesign;
}

describe('intentkey key: text', () => {
  it('mints one ULID and shows the time it carries (the injected now)', async () => {
    const run = await key([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const line = run.stdout.split('\n').find((l) => l.startsWith('key '));
    const minted = line?.split(/\s+/)[1] ?? '';
    expect(minted).toMatch(ULID);
    expect(decodeTime(minted)).toBe(NOW);
    expect(run.stdout).toContain(`time       ${ISO} (from the ULID)`);
  });

  it('--venue stripe: venue key, format ok, the header line and the metadata echo', async () => {
    const run = await key(['--venue', 'stripe']);
    expect(run.code).toBe(0);
    const minted = /key\s+([0-9A-Z]{26})/.exec(run.stdout)?.[1] ?? '';
    expect(minted).toMatch(ULID);
    expect(run.stdout).toContain('venue      stripe (verbatim, max 255 chars)');
    expect(run.stdout).toContain(`header     Idempotency-Key: ${minted}`);
    expect(run.stdout).toContain(`metadata[intentkey_key]=${minted}`);
    expect(run.stdout).toContain("the key fits stripe's key format");
  });

  it('--count prints a table of distinct keys with their times', async () => {
    const run = await key(['--strategy', 'uuidv7', '--count', '4', '--venue', 'kraken']);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => /^\d\s/.test(l));
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.split(/\s+/)[1])).size).toBe(4);
    for (const row of rows) expect(row).toContain(ISO);
    expect(run.stdout).toContain('all 4 keys fit kraken');
    expect(run.stdout).toMatch(/how the first key travels:\nbody\s+\{"cl_ord_id":"[0-9a-f-]{36}"\}/);
  });

  it('--key: a key that does not fit the venue ends 3 and names the rule', async () => {
    const run = await key(['--venue', 'binance-spot', '--key', 'bot-7:signal-1182']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('FAILS pattern ^[A-Za-z0-9_-]{1,36}$');
    expect(run.stdout).toContain('newClientOrderId=bot-7%3Asignal-1182');
    expect(run.stdout).toContain("the key does not fit binance-spot's key format");
    // Negative control: a key that fits ends 0.
    const fits = await key(['--venue', 'binance-spot', '--key', 'bot-7-signal-1182']);
    expect(fits.code).toBe(0);
  });

  it('--key twice: one failing key among fitting ones is still exit 3', async () => {
    const run = await key(['--venue', 'stripe', '--key', 'ok-key', '--key', 'x'.repeat(256), '--json']);
    expect(run.code).toBe(3);
    const design = parse(run.stdout);
    expect(design.failing).toBe(1);
    expect(design.keys.map((k) => k.check)).toEqual([{ ok: true }, { ok: false, rule: 'maxLength 255' }]);
  });
});

describe('intentkey key: --json', () => {
  it('--venue stripe --json: the design as data', async () => {
    const run = await key(['--venue', 'stripe', '--json']);
    expect(run.code).toBe(0);
    const design = parse(run.stdout);
    expect(design.strategy).toBe('ulid');
    expect(design.venue?.name).toBe('stripe');
    expect(design.venue?.format).toEqual(stripe.key.format);
    const [k] = design.keys;
    expect(k?.venueKey).toBe(k?.key);
    expect(k?.check).toEqual({ ok: true });
    expect(k?.timestamp).toEqual({ ms: NOW, iso: ISO, from: 'ulid' });
    expect(k?.http).toMatchObject({ in: 'header', field: 'Idempotency-Key', text: `Idempotency-Key: ${k?.venueKey ?? ''}`, echo: { in: 'body', field: 'metadata.intentkey_key' } });
    expect(design.failing).toBe(0);
  });

  it.each(Object.values(VENUE_PROFILES).map((p) => [p.name, p] as const))('%s: placement as the profile says', async (name, profile) => {
    const run = await key(['--venue', name, '--strategy', 'uuidv4', '--json']);
    expect(run.code).toBe(0);
    const http = parse(run.stdout).keys[0]?.http;
    expect(http?.in).toBe(profile.key.placement);
    expect(http?.field).toBe(profile.key.field);
  });

  it('never colours JSON, even on a terminal', async () => {
    const run = await key(['--json', '--venue', 'okx'], { tty: true });
    expect(run.stdout).not.toMatch(ANSI);
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
  });
});

describe('intentkey key: derived keys and the secret', () => {
  it('reads the secret from the named variable and never prints it (text and JSON)', async () => {
    const expected = deriveKey({ secret: SECRET, scope: 'acct-42', operation: 'order.create', businessId: 'inv-1182' });
    const text = await key([...DERIVED_ARGS, '--venue', 'okx'], { env: { KEY_SECRET: SECRET } });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(expected);
    expect(text.stdout).toContain('from $KEY_SECRET (not shown)');
    const json = await key([...DERIVED_ARGS, '--json'], { env: { KEY_SECRET: SECRET } });
    const design = parse(json.stdout) as KeyDesign & { secretEnv?: string };
    expect(design.keys[0]?.key).toBe(expected);
    expect(design.keys[0]?.timestamp).toBeNull();
    expect(design.secretEnv).toBe('KEY_SECRET');
    for (const out of [text.stdout, text.stderr, json.stdout, json.stderr]) expect(out).not.toContain(SECRET);
  });

  it('another secret gives another key', async () => {
    const a = parse((await key([...DERIVED_ARGS, '--json'], { env: { KEY_SECRET: SECRET } })).stdout).keys[0]?.key;
    const b = parse((await key([...DERIVED_ARGS, '--json'], { env: { KEY_SECRET: `${SECRET}-rotated` } })).stdout).keys[0]?.key;
    expect(a).toMatch(ULID);
    expect(b).toMatch(ULID);
    expect(a).not.toBe(b);
  });

  it.each([
    ['--secret VALUE', ['--secret', SECRET]],
    ['--secret=VALUE', [`--secret=${SECRET}`]],
    ['--secret with derived options', [...DERIVED_ARGS, '--secret', SECRET]],
  ])('refuses a secret on the command line (%s) without echoing it', async (_name, args) => {
    const run = await key(args, { env: { KEY_SECRET: SECRET } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--secret: refused');
    expect(run.stderr).toContain('--secret-env NAME');
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it.each([
    ['no --secret-env', ['--strategy', 'derived', '--scope', 'acct-42', '--operation', 'order.create', '--business-id', 'inv-1182'], {}, /--secret-env: expected the NAME of an environment variable/],
    ['an unset variable: named', DERIVED_ARGS, {}, /--secret-env: expected environment variable KEY_SECRET to be set, received a variable that is not set/],
    ['an empty variable', DERIVED_ARGS, { KEY_SECRET: '' }, /KEY_SECRET to be set, received an empty variable/],
    ['a short secret', DERIVED_ARGS, { KEY_SECRET: 'tooshort' }, /KEY_SECRET to hold at least 16 characters, received a shorter value/],
  ] as const)('bad secret source: %s is exit 2', async (_name, args, env, message) => {
    const run = await key(args, { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('tooshort');
    expect(run.stdout).toBe('');
  });

  it('a secret pasted into --secret-env is not echoed', async () => {
    const pasted = 'p@ss w0rd!that-is-long';
    const run = await key(['--strategy', 'derived', '--secret-env', pasted, '--scope', 's', '--operation', 'op', '--business-id', 'b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not shown: it may be the secret itself');
    expect(run.stderr).not.toContain(pasted);
  });

  it.each([
    ['--scope', '--scope'],
    ['--operation', '--operation'],
    ['--business-id', '--business-id'],
  ])('derived without %s is exit 2 naming it', async (_name, flag) => {
    const index = DERIVED_ARGS.indexOf(flag);
    const args = [...DERIVED_ARGS.slice(0, index), ...DERIVED_ARGS.slice(index + 2)];
    const run = await key(args, { env: { KEY_SECRET: SECRET } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${flag}: expected a value (required by --strategy derived)`);
  });

  it('derived with --count above 1 is exit 2', async () => {
    const run = await key([...DERIVED_ARGS, '--count', '2'], { env: { KEY_SECRET: SECRET } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--count: expected 1 with --strategy derived');
  });
});

describe('intentkey key: bad usage', () => {
  it('an unknown venue lists the known ones', async () => {
    const run = await key(['--venue', 'binance']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--venue: expected one of binance-spot, binance-usdm, bybit,');
    for (const profile of Object.values(VENUE_PROFILES)) expect(run.stderr).toContain(profile.name);
    expect(run.stderr).toContain('received "binance"');
  });

  it.each([
    [['--strategy', 'uuid'], '--strategy: expected one of ulid, uuidv4, uuidv7, nanoid, derived, received "uuid"'],
    [['--count', '0'], '--count: expected an integer from 1 to 1000, received "0"'],
    [['--count', '1001'], '--count: expected an integer from 1 to 1000, received "1001"'],
    [['--count', 'ten'], '--count: expected an integer from 1 to 1000, received "ten"'],
    [['--count', '2.5'], '--count: expected an integer from 1 to 1000, received "2.5"'],
    [['--scope', 'acct'], '--scope: expected no value with --strategy ulid'],
    [['--key', 'k', '--strategy', 'nanoid'], '--strategy: expected no value with --key'],
    [['--fingerprint', 'a,b'], '--fingerprint: expected no value without --contract'],
    [['--contract', '--count', '2'], '--count: expected no value with --contract'],
    [['--contract', '--operation', 'bad name'], '--operation: expected an operation name'],
  ])('%j is exit 2: %s', async (args, message) => {
    const run = await key(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('--count 1000 is accepted (the bound is inclusive)', async () => {
    const run = await key(['--count', '1000', '--strategy', 'nanoid', '--json']);
    expect(run.code).toBe(0);
    expect(parse(run.stdout).keys).toHaveLength(1000);
  });
});

describe('intentkey key: colour', () => {
  it('colours on a terminal only, and never with NO_COLOR', async () => {
    const tty = await key(['--venue', 'binance-spot', '--key', 'a:b'], { tty: true });
    expect(tty.stdout).toMatch(ANSI);
    expect(tty.stdout).toContain('\u001b[31mFAILS');
    const noColor = await key(['--venue', 'binance-spot', '--key', 'a:b'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toMatch(ANSI);
    const piped = await key(['--venue', 'binance-spot', '--key', 'a:b']);
    expect(piped.stdout).not.toMatch(ANSI);
    // Same words either way.
    expect(noColor.stdout).toBe(piped.stdout);
    expect(stripAnsi(tty.stdout)).toBe(piped.stdout);
  });
});

describe('intentkey key --contract', () => {
  it('prints the Markdown contract with the venue\'s numbers', async () => {
    const run = await key(['--contract', '--venue', 'paypal', '--operation', 'order.capture', '--fingerprint', 'orderId, amount']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('# Idempotency contract: `order.capture` on PayPal')).toBe(true);
    expect(run.stdout).toContain('21600000 ms (6 h)');
    expect(run.stdout).toContain('`PayPal-Request-Id: <venue key>`');
    expect(run.stdout).toContain('`orderId`, `amount`');
    expect(run.stdout).not.toMatch(ANSI);
  });

  it('without --venue describes the generic profile; --json wraps the Markdown', async () => {
    const run = await key(['--contract', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { venue: string; operation: string | null; strategy: string; markdown: string };
    expect(out.venue).toBe('generic');
    expect(out.operation).toBeNull();
    expect(out.strategy).toBe('ulid');
    expect(out.markdown).toContain('none: the venue does not deduplicate by key');
  });
});

describe('intentkey key --help', () => {
  it('lists the options and examples, not the hidden --secret', async () => {
    const run = await key(['--help']);
    expect(run.code).toBe(0);
    for (const text of ['--strategy <name>', '--venue <name>', '--count <n>', '--secret-env <NAME>', '--contract', '--json', 'Examples:']) expect(run.stdout).toContain(text);
    expect(run.stdout).not.toMatch(/--secret <value>/);
  });
});

describe('intentkey key: the built bin', () => {
  it('key --venue stripe --json runs as a child process', async () => {
    const run = await runBuiltCli(['key', '--venue', 'stripe', '--json']);
    expect(run.code).toBe(0);
    const design = parse(run.stdout);
    const k = design.keys[0];
    expect(k?.key).toMatch(ULID);
    expect(k?.http?.text).toBe(`Idempotency-Key: ${k?.key ?? ''}`);
    // Real clock: the ULID's time is within a minute of now.
    expect(Math.abs((k?.timestamp?.ms ?? 0) - Date.now())).toBeLessThan(60_000);
  });
});
