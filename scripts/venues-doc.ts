/**
 * Generates docs/venues.md from the shipped venue profiles, so the page cannot drift
 * from the data the classifier runs on.
 *
 *   npm run docs:venues            rewrite docs/venues.md
 *   npm run docs:venues -- --check exit 1 when docs/venues.md is out of date (CI)
 *
 * The prose lives in scripts/venues-doc.template.md; `{{...}}` markers are replaced by
 * generated sections, and the custom-profile example is embedded from
 * examples/custom-venue.ts (which a test runs), with imports rewritten to the package
 * names.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GENERIC_RULES } from '../src/venues/generic.js';
import { VENUE_PROFILES } from '../src/venues/registry.js';
import type { ErrorRule, LookupSpec, PublishedLimit, VenueProfile } from '../src/venues/profile.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = join(ROOT, 'scripts', 'venues-doc.template.md');
const OUTPUT = join(ROOT, 'docs', 'venues.md');
const EXAMPLE = join(ROOT, 'examples', 'custom-venue.ts');

/** The page as it should be on disk. */
export function renderVenuesDoc(): string {
  const template = readFileSync(TEMPLATE, 'utf8');
  const sections: Record<string, string> = {
    SUMMARY: summaryTable(),
    VENUES: Object.entries(VENUE_PROFILES)
      .map(([exportName, profile]) => venueSection(exportName, profile))
      .join('\n'),
    CUSTOM_EXAMPLE: customExample(),
    GENERIC_RULES: ['| Match | Outcome | Why |', '|---|---|---|', ...GENERIC_RULES.map((r) => `| ${matchOf(r)} | ${outcomeOf(r)} | ${cell(r.note ?? '')} |`)].join('\n'),
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (marker, name: string) => {
    const section = sections[name];
    if (section === undefined) throw new Error(`Unknown template marker ${marker}`);
    return section.trimEnd();
  });
}

function summaryTable(): string {
  const rows = Object.entries(VENUE_PROFILES).map(([exportName, p]) =>
    [
      `[${p.about?.title ?? p.name}](#${anchor(p)})`,
      code(exportName),
      `${p.key.placement} ${code(p.key.field)}`,
      formatOf(p),
      dedupeOf(p),
      lookupOf(p),
      !p.reconcile.notFoundIsAuthoritative
        ? 'no'
        : p.reconcile.lookup === undefined && p.reconcile.scan !== undefined
          ? 'after a complete scan of a stored error'
          : `yes, after ${settleOf(p)}`,
      String(p.about?.unverified?.length ?? 0) + (p.errors.some((r) => r.unverified) ? ` + ${p.errors.filter((r) => r.unverified).length} rule(s)` : ''),
    ].join(' | '),
  );
  return [
    '| Venue | Export | Key | Key format | Dedupe (window) | Lookup by key | "Not found" trusted | Unverified |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

function venueSection(exportName: string, p: VenueProfile): string {
  const lines: string[] = [];
  lines.push(`### ${p.about?.title ?? p.name}`, '');
  lines.push(`Export ${code(exportName)}, name ${code(p.name)}, ${p.kind}.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Key | ${p.key.placement} ${code(p.key.field)}${p.key.valueType === 'number' ? ' (a JSON number)' : ''}${p.key.echo === undefined ? '' : `; echoed into ${p.key.echo.placement} ${code(p.key.echo.field)}`} |`);
  lines.push(`| Format | ${formatOf(p)} |`);
  lines.push(`| Dedupe | ${dedupeOf(p)} |`);
  lines.push(`| Lookup | ${lookupDetail(p)} |`);
  lines.push(
    `| "Not found" | ${p.reconcile.notFoundIsAuthoritative ? `trusted ${settleOf(p)} after the last attempt` : 'never proves the action did not run'}` +
      (p.reconcile.findableForMs === undefined ? '' : `; findable for ${duration(p.reconcile.findableForMs)}`) +
      `${(p.reconcile.notFoundCodes ?? []).length > 0 ? `; codes ${p.reconcile.notFoundCodes?.map(code).join(', ')}` : ''} |`,
  );
  const window = p.reconcile.requestWindow;
  if (window !== undefined) {
    lines.push(
      `| Request window | ${window.in} ${code(window.field)}: default ${duration(window.defaultMs)}, ` +
        `${window.maxMs === undefined ? 'no documented maximum (any carried window is used)' : `at most ${duration(window.maxMs)} (more is refused before sending)`}, ` +
        `timestamps up to ${duration(window.aheadMs)} ahead; the settle delay is the window each attempt carried plus that allowance, ` +
        `${duration(p.reconcile.settleDelayMs)} when it could not be read${window.note ? `. ${cell(window.note)}` : ''} |`,
    );
  }
  lines.push(`| Error code / message | code ${list(p.response.codePaths)}; message ${list(p.response.messagePaths)}; success codes ${list(p.response.successCodes)} |`);
  lines.push(`| Rate limits | ${rateLimitOf(p)} |`);
  const replay = [
    p.response.replayedHeader === undefined ? undefined : `replays marked by ${code(p.response.replayedHeader)}`,
    p.response.shouldRetryHeader === undefined ? undefined : `retry advice in ${code(p.response.shouldRetryHeader)}`,
  ].filter((x) => x !== undefined);
  if (replay.length > 0) lines.push(`| Key store signals | ${replay.join('; ')} |`);
  lines.push('');
  lines.push(...limitsSection(p));
  if (p.errors.length > 0) {
    lines.push('| Match | Outcome | Why |', '|---|---|---|');
    for (const rule of p.errors) lines.push(`| ${matchOf(rule)} | ${outcomeOf(rule)} | ${cell(rule.note ?? '')}${rule.unverified ? ' **(unverified)**' : ''} |`);
    lines.push('', 'Then the generic defaults (see [the error map](#the-error-map)).', '');
  } else {
    lines.push('No venue rules: the generic defaults decide (see [the error map](#the-error-map)).', '');
  }
  const unverified = p.about?.unverified ?? [];
  if (unverified.length > 0) {
    lines.push('Unverified:', '');
    for (const fact of unverified) lines.push(`- ${fact}`);
    lines.push('');
  }
  const sources = p.about?.sources ?? [];
  if (sources.length > 0) {
    lines.push('Sources:', '');
    for (const source of sources) lines.push(`- ${source}`);
    lines.push('');
  }
  return lines.join('\n');
}

function customExample(): string {
  const source = readFileSync(EXAMPLE, 'utf8')
    .replaceAll("'../src/index.js'", "'intentkey'")
    .replaceAll("'../src/testing/index.js'", "'intentkey/testing'");
  return ['```ts', source.trimEnd(), '```'].join('\n');
}

function formatOf(p: VenueProfile): string {
  const f = p.key.format;
  const parts: string[] = [f.encoding];
  if (f.encoding === 'integer') parts.push(`1..${f.maxInteger?.toLocaleString('en-US') ?? '?'}`);
  else parts.push(`${f.minLength === undefined ? '' : `${f.minLength}-`}${f.maxLength} chars`);
  if (f.prefix) parts.push(`prefix ${code(f.prefix)}`);
  if (f.pattern) parts.push(code(f.pattern));
  return parts.join(', ');
}

function dedupeOf(p: VenueProfile): string {
  switch (p.dedupe.kind) {
    case 'keyStore':
      return p.dedupe.stores === 'successes' ? `key store of successes only (${duration(p.dedupe.retentionMs)})` : `key store (${duration(p.dedupe.retentionMs)})`;
    case 'openOrders':
      return 'open orders only';
    case 'none':
      return 'none';
  }
}

function lookupOf(p: VenueProfile): string {
  const l = p.reconcile.lookup;
  const scan = p.reconcile.scan;
  const resends = p.dedupe.kind === 'keyStore' && p.dedupe.stores !== 'successes';
  if (l === undefined && scan !== undefined) return `${resends ? 'resend same key; ' : ''}scan ${code(scan.path)}`;
  if (l === undefined) return resends ? 'resend same key' : 'none';
  const more = (p.reconcile.fallbackLookups ?? []).map((f) => `, then ${f.method} ${code(f.path)}`).join('');
  return `${l.method} ${code(l.path)}${l.valueFrom === undefined ? '' : ` by ${code(l.valueFrom)}`}${more}`;
}

function lookupDetail(p: VenueProfile): string {
  const l = p.reconcile.lookup;
  const scan = p.reconcile.scan;
  if (l === undefined && scan !== undefined) {
    const echo = p.key.echo === undefined ? 'the key must be in each object (no `key.echo`)' : `the key is echoed into ${p.key.echo.placement} ${code(p.key.echo.field)} of every send`;
    const first = p.dedupe.kind === 'keyStore' ? 'inside the key store window a same-key resend returns the first result; a replayed stored 5xx goes to a ' : 'a ';
    return (
      `${first}scan of GET ${code(scan.path)} (objects created since the intent via ${code(scan.createdSinceParam)}, ${scan.limit} per page, ` +
      `at most ${scan.maxPages ?? 10} pages, matching ${code(scan.matchPath)}; ${echo}; ` +
      `${scan.consistent ? 'read-after-write consistent, so a complete scan that misses is "not found"' : 'not consistent, so a miss is inconclusive'})` +
      (scan.note ? `. ${cell(scan.note)}` : '')
    );
  }
  if (l === undefined) {
    return p.dedupe.kind === 'keyStore'
      ? 'none; inside the key store window a same-key resend returns the first result'
      : 'none; an unknown outcome needs your own `reconcile` or a person';
  }
  const resend = p.dedupe.kind === 'keyStore' && p.dedupe.stores === 'successes' ? '; the key store keeps only successes, so a same-key resend is never the reconcile' : '';
  return [l, ...(p.reconcile.fallbackLookups ?? [])].map((each, i) => `${i === 0 ? '' : 'when it misses, '}${oneLookup(each)}`).join('; ') + resend;
}

function oneLookup(l: LookupSpec): string {
  const what = l.valueFrom === undefined ? 'key' : `the request's ${code(l.valueFrom)}`;
  const key = l.keyIn === 'path' ? `${what} in the path` : `${what} as ${l.keyIn} ${code(l.keyParam ?? '')}`;
  const copied = (l.copyParams ?? []).length > 0 ? `, copies ${l.copyParams?.map(code).join(', ')}` : '';
  const found = l.foundPath === undefined ? '' : `, found when ${code(l.foundPath)} is non-empty`;
  const match = l.match === undefined ? '' : `, and only when an item of ${code(l.match.itemsPath)} carries it in ${code(l.match.keyPath)}`;
  return `${l.method} ${code(l.path)} (${key}${copied}${found}${match})${l.note ? `. ${cell(l.note)}` : ''}`;
}

/** When a "not found" is believed: after the fixed settle delay, or after each attempt's request window. */
function settleOf(p: VenueProfile): string {
  const w = p.reconcile.requestWindow;
  if (w === undefined) return duration(p.reconcile.settleDelayMs);
  return `the request window (${duration(w.defaultMs + w.aheadMs)} by default${w.maxMs === undefined ? '' : `, at most ${duration(w.maxMs + w.aheadMs)}`})`;
}

function rateLimitOf(p: VenueProfile): string {
  const parts = [`wait from ${list(p.rateLimit.retryAfterHeaders)}${p.rateLimit.retryAfterUnit ? ` (${p.rateLimit.retryAfterUnit})` : ''}`];
  if (p.rateLimit.retryAfterMessage) parts.push(`wait in message ${code(p.rateLimit.retryAfterMessage.pattern)} (${p.rateLimit.retryAfterMessage.unit})`);
  for (const u of p.rateLimit.usage ?? []) {
    const limit = u.limitHeader ? `limit from ${code(u.limitHeader)}` : u.limit === undefined ? 'no limit known' : `limit ${u.limit.toLocaleString('en-US')}`;
    const reset = u.resetHeader ? `reset from ${code(u.resetHeader)}` : u.windowMs === undefined ? 'no reset known' : `${duration(u.windowMs)} window`;
    parts.push(`usage ${code(u.header)} (${u.reports}, ${limit}, ${reset})`);
  }
  return parts.join('; ');
}

/** The profile's published limits as a table, or a line saying it records none. */
function limitsSection(p: VenueProfile): string[] {
  const limits = p.rateLimit.limits ?? [];
  if (limits.length === 0) return ['Published limits: none recorded in the profile.', ''];
  return [
    'Published limits:',
    '',
    '| Id | Allowed | Counted per | A write costs | A lookup costs | Usage header | Source |',
    '|---|---|---|---|---|---|---|',
    ...limits.map(
      (l) =>
        `| ${code(l.id)} | ${allowed(l)} | ${l.per === 'ip' ? 'IP address' : 'account'} | ${l.writeCost ?? 1} | ${l.readCost ?? 1} | ${l.usageHeader === undefined ? 'none' : code(l.usageHeader)} | ${cell(l.note ?? '')} |`,
    ),
    '',
  ];
}

/** `6,000 weight per minute`, `50 orders per 10 s`, `1 request per second`. */
function allowed(l: PublishedLimit): string {
  const count = l.limit.toLocaleString('en-US');
  const unit = l.unit === 'weight' ? 'weight' : l.limit === 1 ? l.unit.slice(0, -1) : l.unit;
  const named: Record<number, string> = { 1_000: 'second', 60_000: 'minute', 3_600_000: 'hour', 86_400_000: 'day' };
  return `${count} ${unit} per ${named[l.windowMs] ?? duration(l.windowMs)}`;
}

function matchOf(rule: ErrorRule): string {
  const m = rule.match;
  const parts: string[] = [];
  if (m.status !== undefined) parts.push(`HTTP ${Array.isArray(m.status) ? m.status.join('/') : String(m.status)}`);
  if (m.code !== undefined) {
    const codes = typeof m.code === 'string' ? [m.code] : m.code;
    parts.push(codes.length > 6 ? `${codes.slice(0, 3).map(code).join(', ')} … ${code(codes.at(-1) ?? '')} (${codes.length} codes)` : codes.map(code).join(', '));
  }
  if (m.codePrefix !== undefined) parts.push(`code starting ${(typeof m.codePrefix === 'string' ? [m.codePrefix] : m.codePrefix).map(code).join(', ')}`);
  if (m.message !== undefined) parts.push(`message ${code(m.message)}`);
  if (m.header !== undefined) parts.push(`header ${code(m.header.name)}${m.header.value === undefined ? '' : ` ${code(m.header.value)}`}`);
  return parts.length > 0 ? parts.join(' + ') : 'anything';
}

function outcomeOf(rule: ErrorRule): string {
  if (rule.outcome !== 'rateLimited') return rule.outcome;
  const scope = rule.scope === 'venue' ? 'whole venue' : 'this request';
  const headers = rule.waitHeaders === undefined || rule.waitHeaders.length === 0 ? '' : `, wait from ${list(rule.waitHeaders)}${rule.waitUnit ? ` (${rule.waitUnit})` : ''}`;
  return `rateLimited (${scope}${headers}${rule.waitMs === undefined ? '' : `, default ${duration(rule.waitMs)}`})`;
}

/** `61 s`, `24 h`, `90 d`: the largest unit that divides evenly, else ms. */
function duration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  if (ms === 0) return '0 s';
  for (const [size, unit] of units) if (ms % size === 0) return `${(ms / size).toLocaleString('en-US')} ${unit}`;
  return `${ms.toLocaleString('en-US')} ms`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.map(code).join(', ');
}

/** Inline code that survives table cells (pipes escaped; backticks avoided). */
function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|').replaceAll('`', "'")}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function anchor(p: VenueProfile): string {
  return (p.about?.title ?? p.name)
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const expected = renderVenuesDoc();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTPUT, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== expected) {
      console.error('docs/venues.md is out of date: run `npm run docs:venues`.');
      process.exit(1);
    }
    console.log('docs/venues.md is up to date.');
  } else {
    writeFileSync(OUTPUT, expected);
    console.log(`wrote ${OUTPUT}`);
  }
}
