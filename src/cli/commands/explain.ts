import { findVenueProfile } from '../../venues/registry.js';
import type { Command } from 'commander';
import { ConfigurationError } from '../../errors/index.js';
import {
  describeMatch,
  explainCode,

  formatDuration,
  GENERIC_VENUE_NAMES,
  outcomeDetails,
  outcomeLabel,
  parseHeaderList,
  summariseVenue,
  VENUE_NAMES,
  type Explanation,
} from '../../tools/explain.js';
import type { VenueProfile } from '../../venues/profile.js';
import { withJson, type CommandContext, type RegisterCommand } from '../context.js';
import { CliError, EXIT, formatTable, writeJson } from '../io.js';

const EXPLAIN_HELP = `
CODE is the venue's error code as it writes it (-1007, 110072, idempotency_key_in_use,
"EOrder:Insufficient funds"); - means an answer with no code (give --status). At a venue
told apart by HTTP status only (checkout-com, ietf-idempotency-key, generic) a 3-digit
CODE without --status is the status. --status defaults to the status the venue usually
sends with an error body (printed with the answer).

Examples:
  $ intentkey explain binance-spot -1007
  $ intentkey explain binance-spot -2010 --message "Duplicate order sent."
  $ intentkey explain bybit 10006 --json
  $ intentkey explain stripe idempotency_key_in_use --status 409
  $ intentkey explain adyen 704 --header "transient-error: true"
  $ intentkey explain checkout-com 429

Exit codes: 0 explained; 2 unknown venue or bad option.`;

const VENUES_HELP = `
Without VENUE: the 16 venue profiles side by side (key placement and format, dedupe
and its window, lookup by key, when a lookup's "not found" is trusted). With VENUE:
one profile in full, with every error rule, its sources and what is unverified.

Examples:
  $ intentkey venues
  $ intentkey venues okx
  $ intentkey venues stripe --json

Exit codes: 0 shown; 2 unknown venue.`;

interface ExplainOptions {
  readonly status?: string;
  readonly message?: string;
  readonly header?: readonly string[];
  readonly json?: boolean;
}

/** The profile called `name`, or a usage error listing the known names. */
function venueOrFail(name: string): VenueProfile {
  const profile = findVenueProfile(name);
  if (profile === undefined) {
    throw new CliError(`VENUE: expected one of ${[...VENUE_NAMES, ...GENERIC_VENUE_NAMES].join(', ')}, received ${JSON.stringify(name)}`, EXIT.usage);
  }
  return profile;
}

function parseStatus(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{3}$/.test(text) || Number(text) < 100 || Number(text) > 599) {
    throw new CliError(`--status: expected an HTTP status from 100 to 599, received ${JSON.stringify(text)}`, EXIT.usage);
  }
  return Number(text);
}

function parseHeaders(list: readonly string[] | undefined): Record<string, string> {
  try {
    return parseHeaderList(list ?? []);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new CliError(`--header: expected ${error.expected}, received ${error.received}`, EXIT.usage);
    throw error;
  }
}

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function explanationText(e: Explanation, ctx: CommandContext): string {
  const p = ctx.paint;
  const kind = outcomeLabel(e.outcome);
  const colourKind =
    e.outcome.kind === 'success' ? p.green(kind) : e.outcome.kind === 'fatal' ? p.red(kind) : e.outcome.kind === 'unknown' || e.outcome.kind === 'conflict' ? p.yellow(kind) : p.cyan(kind);
  const lines: string[] = [];
  lines.push(`${p.bold(e.venue)} ${e.code ?? '(no code)'}  ${p.dim(e.title)}`);
  const statusWhy = e.statusFrom === 'usual' ? ` (usual error status: ${e.shapeNote})` : e.codeIn === 'status' ? ' (CODE taken as the status: this venue is told apart by status only)' : '';
  lines.push(`  answer    HTTP ${String(e.status)} ${JSON.stringify(e.response.body)}${statusWhy}`);
  if (Object.keys(e.response.headers).length > 0) lines.push(`  headers   ${Object.entries(e.response.headers).map(([n, v]) => `${n}: ${v}`).join(', ')}`);
  lines.push(`  read      ${e.read.code === undefined ? 'no code' : `code ${e.read.code}`}${e.read.message === undefined ? '' : `, message ${JSON.stringify(e.read.message)}`}`);
  const extra = outcomeDetails(e.outcome);
  lines.push(`  outcome   ${colourKind}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`);
  if (e.rule === null) lines.push(`  rule      none`);
  else {
    const flag = e.rule.unverified ? ` ${p.yellow('UNVERIFIED')}` : '';
    lines.push(`  rule      ${e.rule.name}: ${e.rule.matchText} -> ${e.rule.outcome}${flag}`);
    if (e.rule.note !== null) lines.push(`  source    ${e.rule.note}`);
  }
  if (e.fallback !== null) lines.push(`  default   ${e.fallback}`);
  lines.push(`  verified  ${e.rule?.unverified === true ? p.yellow('no: the profile marks this rule unverified') : 'not marked unverified'}`);
  for (const note of e.unverifiedNotes) lines.push(`  caveat    ${p.yellow('unverified')} ${note}`);
  lines.push(`  next      ${p.bold(e.next.action)}: ${e.next.text}`);
  lines.push(`  profile sources:`);
  for (const s of e.sources) lines.push(`    - ${s}`);
  return lines.join('\n') + '\n';
}

function venueDetailText(profile: VenueProfile, ctx: CommandContext): string {
  const p = ctx.paint;
  const s = summariseVenue(profile);
  const lines: string[] = [];
  lines.push(`${p.bold(s.name)}  ${p.dim(`${s.title} (${s.kind})`)}`);
  lines.push(`  key            ${s.key}`);
  lines.push(`  format         ${s.format}`);
  if (profile.key.echo !== undefined) lines.push(`  key echo       ${profile.key.echo.placement} ${profile.key.echo.field}`);
  lines.push(`  dedupe         ${s.dedupe}, ${s.dedupeWindow}`);
  lines.push(`  lookup         ${s.lookup}`);
  const lookupNote = profile.reconcile.lookup?.note ?? profile.reconcile.scan?.note;
  if (lookupNote !== undefined) lines.push(`                 ${p.dim(lookupNote)}`);
  lines.push(`  not found      ${s.notFoundAuthoritative ? 'authoritative' : 'not authoritative'}; trusted ${s.notFoundTrusted}`);
  if (s.findableForMs !== null) lines.push(`  findable for   ${formatDuration(s.findableForMs)}`);
  if ((profile.reconcile.notFoundCodes ?? []).length > 0) lines.push(`  not-found codes ${(profile.reconcile.notFoundCodes ?? []).join(', ')}`);
  lines.push(`  error body     codes at ${profile.response.codePaths.join(', ')}; messages at ${profile.response.messagePaths.join(', ')}; success codes ${profile.response.successCodes.join(', ') || 'none'}`);
  lines.push(`  retry-after    ${profile.rateLimit.retryAfterHeaders.join(', ') || 'none'}`);
  lines.push('');
  lines.push(p.bold('Error rules') + ' (first match wins, then the generic defaults):');
  lines.push(
    formatTable(
      ['#', 'match', 'outcome', 'verified'],
      profile.errors.map((r, i) => [String(i), describeMatch(r.match, 6), r.outcome + (r.scope === 'venue' ? ' (venue)' : ''), r.unverified === true ? p.yellow('UNVERIFIED') : 'yes']),
      ['right', 'left', 'left', 'left'],
    ).trimEnd(),
  );
  lines.push('');
  lines.push(p.bold('Sources:'));
  for (const src of profile.about?.sources ?? []) lines.push(`  - ${src}`);
  const unverified = profile.about?.unverified ?? [];
  if (unverified.length > 0) {
    lines.push(p.bold('Unverified:'));
    for (const u of unverified) lines.push(`  - ${u}`);
  }
  return lines.join('\n') + '\n';
}

/** Registers `intentkey explain VENUE CODE` and `intentkey venues [VENUE]`. */
export const registerExplain: RegisterCommand = (program: Command, ctx: CommandContext) => {
  withJson(
    program
      .command('explain')
      .description("explain a venue's error code: the matching profile rule, the outcome, and what the client does next")
      .argument('<venue>', `venue profile name (${VENUE_NAMES.join(', ')})`)
      .argument('<code>', "the venue's error code; - for none")
      .option('--status <n>', "HTTP status of the answer (default: the status the venue usually sends with an error body)")
      .option('--message <text>', "the venue's error message (some rules match on it)")
      .option('--header <name:value>', 'a response header, repeatable (e.g. "Retry-After: 30")', collect),
  )
    .addHelpText('after', EXPLAIN_HELP)
    .action((venueName: string, code: string, options: ExplainOptions) => {
      const profile = venueOrFail(venueName);
      if (code.trim() === '') throw new CliError('CODE: expected a venue error code or -, received ""', EXIT.usage);
      const status = parseStatus(options.status);
      const headers = parseHeaders(options.header);
      const explanation = explainCode(profile, {
        code,
        nowMs: ctx.io.now(),
        ...(status === undefined ? {} : { status }),
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(Object.keys(headers).length === 0 ? {} : { headers }),
      });
      if (options.json === true) writeJson(ctx.io.stdout, explanation);
      else ctx.io.stdout.write(explanationText(explanation, ctx));
    });

  withJson(
    program
      .command('venues')
      .description('list the venue profiles side by side, or show one in full')
      .argument('[venue]', 'a venue profile name: show that profile in full'),
  )
    .addHelpText('after', VENUES_HELP)
    .action((venueName: string | undefined, options: { json?: boolean }) => {
      if (venueName !== undefined) {
        const profile = venueOrFail(venueName);
        if (options.json === true) writeJson(ctx.io.stdout, { summary: summariseVenue(profile), profile });
        else ctx.io.stdout.write(venueDetailText(profile, ctx));
        return;
      }
      const summaries = VENUE_NAMES.map((name) => summariseVenue(venueOrFail(name)));
      if (options.json === true) {
        writeJson(ctx.io.stdout, summaries);
        return;
      }
      const table = formatTable(
        ['venue', 'key', 'format', 'dedupe', 'lookup', 'not found trusted'],
        summaries.map((s) => [
          ctx.paint.bold(s.name),
          s.key,
          s.format.split(', /')[0] ?? s.format,
          s.dedupe === 'keyStore' ? `key store ${s.dedupeWindow}` : s.dedupeWindow,
          s.lookup,
          s.notFoundTrusted,
        ]),
      );
      ctx.io.stdout.write(table + `\nAlso accepted by name: ${GENERIC_VENUE_NAMES.join(', ')}. Details: intentkey venues VENUE\n`);
    });
};
