/**
 * The playgrounds in a real Chromium: each page shows what the library (and the
 * `intentkey` command, which the node tests tie to the same functions) computes for the
 * same inputs; the URL carries the state; the copy button copies; nothing leaves the
 * machine; axe-core finds no serious accessibility violation; and screenshots of each
 * page at desktop and phone widths are kept (test-results/screenshots, or
 * `SCREENSHOTS_DIR`, e.g. docs/images/playground to refresh the ones the README shows).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeState } from '../../site/.vitepress/theme/playground/url-state.js';
import { ERROR_SCHEMA, errorsView } from '../../site/.vitepress/theme/playground/errors-view.js';
import { POLICY_SCHEMA, policyView } from '../../site/.vitepress/theme/playground/policy-view.js';
import { KEY_SCHEMA, keyView } from '../../site/.vitepress/theme/playground/keys-view.js';
import { SeededRandom } from '../../src/testing/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'site/.vitepress/dist');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = resolve(ROOT, process.env['SCREENSHOTS_DIR'] ?? 'test-results/screenshots');
/** Flags for a machine with no network: no background services, no first-run work. */
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.png': 'image/png' };

let server: Server;
let base: string;
let browser: Browser;
/** Every request a page tried to send somewhere other than the local server. */
const outside: string[] = [];

/** Serves the built site from 127.0.0.1; nothing else. */
function serve(): Promise<Server> {
  const s = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(DIST, path));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    if (path.endsWith('/')) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((ok) => s.listen(0, '127.0.0.1', () => ok(s)));
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  return page;
}

/** The page's URL query, as the component wrote it. */
const searchOf = (page: Page): string => new URL(page.url()).search;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'playground/keys.html'))) throw new Error(`the built site is missing (${DIST}): run npm run docs:build first (npm run test:browser does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  server = await serve();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => server?.close(ok));
});

describe('the error-code lookup', () => {
  it('shows, for every venue, the outcome and next step the library computes for the same code', async () => {
    const context = await browser.newContext();
    const query = '?code=-1007&status=408';
    const page = await open(context, `/playground/errors.html${query}`);
    const expected = errorsView(decodeState(ERROR_SCHEMA, query).state, Date.now());
    expect(expected.rows.length).toBeGreaterThan(10);
    for (const row of expected.rows) {
      const card = page.locator(`#ik-error-${row.venue}`);
      await expect.poll(() => card.getAttribute('data-action')).toBe(row.next.action);
      expect(await card.textContent()).toContain(row.outcome);
    }
    await context.close();
  });
});

describe('keyboard use', () => {
  it('the error-code field is reached with Tab alone, and typing a code shows every venue\'s answer', async () => {
    const context = await browser.newContext();
    const page = await open(context, '/playground/errors.html');
    const focused = (): Promise<string> => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id ?? '');
    let presses = 0;
    // Bounded: the site's header links and the search come first.
    while ((await focused()) !== 'ik-error-code' && presses < 80) {
      await page.keyboard.press('Tab');
      presses++;
    }
    expect(await focused(), `not reached after ${presses} Tab presses`).toBe('ik-error-code');
    await page.keyboard.type('-2010');
    await expect.poll(() => page.locator('[data-action]').count()).toBeGreaterThan(10);
    await expect.poll(() => new URLSearchParams(searchOf(page)).get('code')).toBe('-2010');
    await context.close();
  });
});

describe('the retry-policy designer', () => {
  it('draws the timeline the library computes: the same p50 and max wait for every attempt', async () => {
    const context = await browser.newContext();
    const query = '?base=250&attempts=5&jitter=full&deadline=30000&seed=7&draws=2000';
    const page = await open(context, `/playground/policy.html${query}`);
    const view = policyView(decodeState(POLICY_SCHEMA, query).state);
    const attempts = view.timeline?.attempts ?? [];
    expect(attempts.length).toBe(5);
    // The numbers sit in a closed <details>: open it as a reader would.
    await page.locator('#ik-policy-table').locator('xpath=ancestor::details').locator('summary').click();
    const rows = page.locator('#ik-policy-table tbody tr');
    await expect.poll(() => rows.count()).toBe(attempts.length);
    for (const [i, a] of attempts.entries()) {
      const cells = (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim());
      if (a.waitMs === undefined || a.waitMs === null) continue;
      expect(cells.slice(1, 5), `attempt ${a.attempt}`).toEqual([a.waitMs.min, a.waitMs.p50, a.waitMs.p95, a.waitMs.max].map((n) => String(Math.round(n))));
    }
    await context.close();
  });

  it('keeps its state in the URL: a changed field survives a reload', async () => {
    const context = await browser.newContext();
    const page = await open(context, '/playground/policy.html');
    await page.locator('#ik-policy-attempts').fill('4');
    await page.locator('#ik-policy-attempts').blur();
    await expect.poll(() => new URLSearchParams(searchOf(page)).get('attempts')).toBe('4');
    await page.reload({ waitUntil: 'networkidle' });
    expect(await page.locator('#ik-policy-attempts').inputValue()).toBe('4');
    await context.close();
  });
});

describe('the key designer', () => {
  it('checks keys against the venue format exactly as the library does (a fitting key, a bad one)', async () => {
    const context = await browser.newContext();
    const verdicts = new Set<boolean>();
    for (const key of ['abc-123_ok', 'has spaces!', 'x'.repeat(80)]) {
      const query = `?venue=binance-spot&key=${encodeURIComponent(key)}`;
      const page = await open(context, `/playground/keys.html${query}`);
      // The same function the page and the command run, in Node, for the same inputs.
      const expected = keyView(decodeState(KEY_SCHEMA, query).state, { random: new SeededRandom(1), now: Date.now() }, '').rows[0];
      expect(expected?.fits).not.toBeNull();
      verdicts.add(expected?.fits === true);
      const result = page.locator('#ik-key-check-result');
      await expect.poll(() => result.getAttribute('class')).toContain(expected?.fits === true ? 'ik-ok' : 'ik-bad');
      await page.close();
    }
    // Both verdicts occurred: a page that always said "fits" would fail.
    expect([...verdicts].sort()).toEqual([false, true]);
    await context.close();
  });

  it('copies the generated key to the clipboard', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await open(context, '/playground/keys.html?venue=binance-spot');
    const key = (await page.locator('#ik-key-value').textContent())?.trim() ?? '';
    expect(key.length).toBeGreaterThan(10);
    await page.locator('#ik-key-copy').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(key);
    await context.close();
  });
});

describe('every playground page', () => {
  const pages = ['keys', 'policy', 'errors'] as const;
  const axe = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

  it.each(pages)('%s: axe-core finds no serious or critical violation, at desktop and phone width; screenshots kept', async (name) => {
    for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]] as const) {
      const context = await browser.newContext({ viewport });
      const query = name === 'errors' ? '?code=-2010' : '';
      const page = await open(context, `/playground/${name}.html${query}`);
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        // Browser globals, typed here only (this file is compiled without the DOM library).
        const g = globalThis as unknown as {
          axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> };
          document: { querySelector(selector: string): unknown };
        };
        const result = await g.axe.run(g.document.querySelector('[data-playground]') ?? g.document, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => (n as { target: string[]; failureSummary?: string }).target.join(' ')) }));
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${name} at ${label}`).toEqual([]);
      // Phone width: no sideways scroll of the page itself (wide charts scroll in their own box).
      if (label === 'phone') {
        const fits = await page.evaluate(() => {
          const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
          return g.document.documentElement.scrollWidth <= g.innerWidth + 1;
        });
        expect(fits, `${name}: the page itself does not scroll sideways at phone width`).toBe(true);
      }
      await page.screenshot({ path: join(SHOTS, `playground-${name}-${label}.png`), fullPage: true });
      await context.close();
    }
  });

  it('sent nothing anywhere but the local server (no network calls, no analytics)', () => {
    expect(outside).toEqual([]);
  });
});
