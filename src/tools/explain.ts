/**
 * The error-code lookup behind `intentkey explain` and `intentkey venues`: what a
 * venue's answer means to the client, which rule of the venue profile decides it, and
 * what the client does next. Pure: no I/O, no clock of its own (callers pass `nowMs`).
 *
 * Classification is never reimplemented here. An explanation builds a synthetic
 * response in the venue's own error shape (`profile.response`) and hands it to the
 * real classifier ({@link classifyResponse}); the matched rule is found by giving the
 * classifier each rule alone (see {@link findMatchedRule}).
 */
import { classifyResponse, matchErrorRule, readVenueError, type ResponseFacts, type VenueError } from '../classify/classify-response.js';
import type { Outcome, OutcomeKind } from '../classify/outcome.js';
import type { DedupeSpec, ErrorRule, LookupSpec, RuleOutcome, VenueProfile } from '../venues/profile.js';
import { settlesByResend } from '../client/decide.js';
import { ConfigurationError } from '../errors/index.js';
import { VENUE_PROFILES } from '../venues/registry.js';

// ---------------------------------------------------------------------------------
// Venues by name
// ---------------------------------------------------------------------------------

/** Profile names of the shipped venue profiles (exchanges, then payment APIs), without the generic ones. */
export const VENUE_NAMES: readonly string[] = Object.freeze(
  Object.values(VENUE_PROFILES)
    .filter((p) => p.kind !== 'generic')
    .map((p) => p.name),
);

/** Profile names of the generic profiles (`ietf-idempotency-key`, `generic`): accepted by name, not listed by default. */
export const GENERIC_VENUE_NAMES: readonly string[] = Object.freeze(
  Object.values(VENUE_PROFILES)
    .filter((p) => p.kind === 'generic')
    .map((p) => p.name),
);


// ---------------------------------------------------------------------------------
// The venue's usual error answer
// ---------------------------------------------------------------------------------

/** Where a synthetic error answer puts the code and message, and with which status. */
export interface ErrorShape {
  /** HTTP status the venue usually sends with such a body. */
  readonly status: number;
  /** Dotted path the code is written to. @default the profile's first `codePaths` entry */
  readonly codePath?: string;
  /** Dotted path the message is written to. @default the profile's first `messagePaths` entry */
  readonly messagePath?: string;
  /** Values written before the code and message (array bodies: fixed leading items). */
  readonly template?: Readonly<Record<string, string>>;
  /** Why this status and shape, from the profile's own description. */
  readonly note: string;
}

/** A venue's usual error shape, with per-code exceptions. */
interface VenueErrorShapes extends ErrorShape {
  /** Codes that come in another shape (Bitfinex `ERROR` in a 200 notification). */
  readonly byCode?: Readonly<Record<string, ErrorShape>>;
}

/**
 * What each shipped venue usually answers an error with (status and body layout), as
 * the profile descriptions in src/venues say. The default of `explain --status`.
 */
export const USUAL_ERROR_SHAPES: Readonly<Record<string, VenueErrorShapes>> = Object.freeze({
  'binance-spot': { status: 400, note: 'errors come with a 4xx status and `{ "code": -2010, "msg": "..." }`' },
  'binance-usdm': { status: 400, note: 'errors come with a 4xx status and `{ "code": -4116, "msg": "..." }`' },
  bybit: { status: 200, note: 'errors come inside HTTP 200 as `{ "retCode": 110072, "retMsg": "..." }`' },
  okx: { status: 200, note: 'business answers are HTTP 200; the per-order `data[0].sCode`/`sMsg` win over the top-level `code`' },
  coinbase: {
    status: 400,
    codePath: 'error',
    note: 'gateway errors come as `{ "error": "...", "message": "..." }` with a 4xx status',
    byCode: {
      false: {
        status: 200,
        codePath: 'success',
        messagePath: 'error_response.message',
        note: 'a refused create-order is HTTP 200 with `success: false` and the reason in `error_response`',
      },
    },
  },
  kraken: { status: 200, note: 'errors come inside HTTP 200 as `{ "error": ["EOrder:Insufficient funds"] }`; the string is both code and message' },
  kucoin: { status: 200, note: 'every answer carries `code` (`200000` is success), errors often inside HTTP 200' },
  deribit: { status: 400, note: 'JSON-RPC errors `{ "error": { "code": 10009, "message": "not_enough_funds" } }`, usually with HTTP 400' },
  bitfinex: {
    status: 500,
    codePath: '1',
    messagePath: '2',
    template: { '0': 'error' },
    note: 'a refused request is HTTP 500 (not a server failure) with `["error", CODE, "text"]`',
    byCode: {
      ERROR: { status: 200, codePath: '6', messagePath: '7', note: 'a submit reply is a notification array whose index 6 is `SUCCESS`, `ERROR` or `FAILURE`' },
      FAILURE: { status: 200, codePath: '6', messagePath: '7', note: 'a submit reply is a notification array whose index 6 is `SUCCESS`, `ERROR` or `FAILURE`' },
    },
  },
  gate: { status: 400, note: 'errors carry `{ "label": "...", "message": "..." }` with a 4xx or 5xx status' },
  stripe: { status: 400, note: 'errors come as `{ "error": { "code": "...", "type": "...", "message": "..." } }` with a 4xx status' },
  adyen: {
    status: 422,
    note: 'validation errors come as `{ "errorCode": "...", "message": "..." }` with HTTP 422',
    byCode: { '704': { status: 409, note: 'error 704 (request already processed or in progress) comes with HTTP 409 (422 in older integrations)' } },
  },
  paypal: { status: 422, note: 'business errors come as `{ "name": "UNPROCESSABLE_ENTITY", "details": [{ "issue": "..." }] }` with HTTP 422' },
  square: { status: 400, note: 'errors come as `{ "errors": [{ "code": "...", "detail": "..." }] }` with a 4xx status' },
  'checkout-com': { status: 422, note: 'refusals come as `{ "error_type": "request_invalid", "error_codes": ["..."] }` with HTTP 422' },
  braintree: { status: 200, note: 'GraphQL errors come inside HTTP 200 in `errors[0]` (`extensions.errorClass`, `extensions.legacyCode`)' },
  'ietf-idempotency-key': { status: 409, note: 'the draft answers 409 (key in use) and 422 (key reused with another payload); the code is in the status' },
  generic: { status: 400, note: 'no venue semantics known; a 4xx refusal is the usual error' },
});

/** The status and body layout used for `code` at `profile` (the venue's exception for that code, else its usual shape). */
export function usualErrorShape(profile: VenueProfile, code: string | undefined): ErrorShape {
  const shapes = USUAL_ERROR_SHAPES[profile.name];
  if (shapes === undefined) return { status: 400, note: 'profile not in the table of usual error shapes; assumed a 4xx refusal' };
  const special = code === undefined ? undefined : shapes.byCode?.[code];
  return special ?? shapes;
}

/**
 * True when none of the venue's own rules tests a code, a code prefix or a message:
 * the venue's answers are told apart by HTTP status alone (`checkout-com`, the generic
 * profiles). Then `explain`'s CODE may be an HTTP status.
 */
export function codesInStatusOnly(profile: VenueProfile): boolean {
  return profile.errors.every((r) => r.match.code === undefined && r.match.codePrefix === undefined && r.match.message === undefined);
}

/** A response built from a venue's error shape, ready for the classifier. */
export interface SyntheticResponse {
  readonly status: number;
  /** The body in the venue's layout. */
  readonly body: unknown;
  /** Header names (lower case) and values. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What {@link buildErrorResponse} is asked to build. */
export interface ErrorResponseRequest {
  /** Venue code to put in the body; absent for a body without a code. */
  readonly code?: string;
  /** Message to put in the body. */
  readonly message?: string;
  /** HTTP status. @default the venue's usual error status ({@link usualErrorShape}) */
  readonly status?: number;
  /** Response headers (names matched case-insensitively). @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A synthetic answer of `profile` carrying `code` and `message` where the venue puts
 * them (the profile's `response.codePaths`/`messagePaths`, or the venue's usual shape
 * for that code). Numeric segments of a path make arrays (`1` in `["error", 10020]`).
 */
export function buildErrorResponse(profile: VenueProfile, request: ErrorResponseRequest): SyntheticResponse {
  const shape = usualErrorShape(profile, request.code);
  const codePath = shape.codePath ?? profile.response.codePaths[0];
  const messagePath = shape.messagePath ?? profile.response.messagePaths[0];
  const entries: Array<[string, string]> = Object.entries(shape.template ?? {});
  if (request.code !== undefined && codePath !== undefined) entries.push([codePath, request.code]);
  // A venue whose message sits where its code does (Kraken): the code is the message.
  if (request.message !== undefined && messagePath !== undefined && !(request.code !== undefined && messagePath === codePath)) {
    entries.push([messagePath, request.message]);
  }
  const first = entries[0]?.[0].split('.')[0];
  const root: unknown = first !== undefined && /^\d+$/.test(first) ? [] : {};
  for (const [path, value] of entries) writePath(root, path, value);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  return { status: request.status ?? shape.status, body: root, headers };
}

function writePath(root: unknown, path: string, value: string): void {
  const segments = path.split('.');
  let current = root as Record<string, unknown>;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (last) {
      current[segment] = value;
      return;
    }
    const next = current[segment];
    if (typeof next === 'object' && next !== null) {
      current = next as Record<string, unknown>;
      return;
    }
    const made: unknown = /^\d+$/.test(segments[i + 1] ?? '') ? [] : {};
    current[segment] = made;
    current = made as Record<string, unknown>;
  });
}

/**
 * Response headers written as `NAME: VALUE` (or `NAME=VALUE`), one per item, as
 * `intentkey explain --header` and the error playground take them: names lower-cased,
 * values trimmed; a later item wins over an earlier one of the same name.
 *
 * @throws {ConfigurationError} with `path` `headers[i]` for an item whose name is not an
 *   HTTP token or that has no separator.
 */
export function parseHeaderList(items: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  items.forEach((item, i) => {
    const at = item.search(/[:=]/);
    const name = at > 0 ? item.slice(0, at).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new ConfigurationError({ path: `headers[${String(i)}]`, expected: 'NAME: VALUE (or NAME=VALUE)', received: JSON.stringify(item) });
    }
    headers[name.toLowerCase()] = item.slice(at + 1).trim();
  });
  return headers;
}

/** `response` as the classifier reads it. */
export function responseFacts(response: SyntheticResponse): ResponseFacts {
  return { status: response.status, body: response.body, header: (name) => response.headers[name.toLowerCase()] };
}

// ---------------------------------------------------------------------------------
// Which rule decides
// ---------------------------------------------------------------------------------

/** A rule of a venue profile or of the generic defaults, with where it sits. */
export interface RuleRef {
  /** `venue`: `profile.errors[index]`; `generic`: `GENERIC_RULES[index]`. */
  readonly source: 'venue' | 'generic';
  /** Position in its list, from 0. */
  readonly index: number;
  /** `binance-spot errors[8]` or `GENERIC_RULES[5]`. */
  readonly name: string;
  readonly rule: ErrorRule;
}

/**
 * The rule that decides `response` for `profile`, from the classifier's own matcher
 * (`matchErrorRule`): the first of `profile.errors`, then of the generic defaults.
 * `undefined` when none does (the status decides).
 */
export function findMatchedRule(profile: VenueProfile, response: ResponseFacts): RuleRef | undefined {
  const matched = matchErrorRule(profile, response);
  if (matched === undefined) return undefined;
  const name = matched.source === 'venue' ? `${profile.name} errors[${String(matched.index)}]` : `GENERIC_RULES[${String(matched.index)}]`;
  return { ...matched, name };
}

/** The outcome kind a rule outcome becomes (`conflictDuplicate` → `conflict`). */
export function kindOfRuleOutcome(outcome: RuleOutcome): OutcomeKind {
  return outcome === 'conflictDuplicate' || outcome === 'conflictInProgress' ? 'conflict' : outcome;
}

/**
 * A rule's conditions in words: `status 5xx`, `code -1003 or -1015`, `message /duplicate/i`,
 * `any answer (catch-all)`. With `maxCodes`, a longer code list is cut to that many
 * codes and `(+N more)`. @param maxCodes - @default no limit
 */
export function describeMatch(match: ErrorRule['match'], maxCodes = Number.POSITIVE_INFINITY): string {
  const codes = (list: readonly string[]): string =>
    list.length <= maxCodes ? list.join(' or ') : `${list.slice(0, maxCodes).join(' or ')} (+${String(list.length - maxCodes)} more)`;
  const parts: string[] = [];
  if (match.status !== undefined) parts.push(`status ${Array.isArray(match.status) ? match.status.join(' or ') : String(match.status)}`);
  if (match.code !== undefined) parts.push(`code ${typeof match.code === 'string' ? match.code : codes(match.code)}`);
  if (match.codePrefix !== undefined) parts.push(`code starting ${typeof match.codePrefix === 'string' ? match.codePrefix : match.codePrefix.join(' or ')}`);
  if (match.message !== undefined) parts.push(`message /${match.message}/i`);
  if (match.header !== undefined) parts.push(match.header.value === undefined ? `header ${match.header.name} present` : `header ${match.header.name} /${match.header.value}/i`);
  return parts.length === 0 ? 'any answer (catch-all)' : parts.join(' and ');
}

// ---------------------------------------------------------------------------------
// What the client does next
// ---------------------------------------------------------------------------------

/**
 * What the client does after such an answer:
 * - `none`: settled as executed;
 * - `retry`: not executed, back off and send again with the same key;
 * - `wait`: rate-limited, wait then send again with the same key;
 * - `resign`: rebuild the timestamp and signature, send again with the same key;
 * - `reconcile`: may have executed: settle it (lookup, or a same-key resend where the
 *   venue's key store replays) before any new send;
 * - `askPerson`: may have executed and nothing automatic can tell: parked for a person;
 * - `stop`: refused, not executed; the intent is failed.
 */
export type NextAction = 'none' | 'retry' | 'wait' | 'resign' | 'reconcile' | 'askPerson' | 'stop';

/** The client's next step, in a word and in plain sentences. */
export interface NextStep {
  readonly action: NextAction;
  readonly text: string;
}

/** Whether a same-key resend settles an unknown outcome: the client's own rule. */
export { settlesByResend as resendSettles } from '../client/decide.js';

/** `61 s`, `24 h`, `7 d`, `250 ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0 s';
  if (ms < 1_000) return `${String(ms)} ms`;
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${String(ms / size)} ${unit}`;
  }
  return `${String(Math.round(ms / 100) / 10)} s`;
}

function lookupText(spec: LookupSpec): string {
  const where = spec.keyIn === 'path' ? 'in the path' : `as \`${spec.keyParam ?? '?'}\``;
  return `\`${spec.method} ${spec.path}\` with the key ${where}`;
}

/** How an unknown outcome gets settled at `profile`: resend, lookup, scan, or a person. */
function settleText(profile: VenueProfile): NextStep {
  const { dedupe, reconcile } = profile;
  if (settlesByResend(dedupe) && dedupe.kind === 'keyStore') {
    const scan = reconcile.scan === undefined ? '' : ` If the venue replays a stored 5xx, the list \`${reconcile.scan.path}\` is scanned for the key instead.`;
    return {
      action: 'reconcile',
      text:
        `Resend with the same key: ${profile.name} keeps every answer under a key for ${formatDuration(dedupe.retentionMs)}, ` +
        `so a resend returns the first result instead of executing again (the resend is the reconcile).${scan} ` +
        'Past that window nothing can tell safely: the intent is parked for a person.',
    };
  }
  if (reconcile.lookup !== undefined) {
    const trust = reconcile.notFoundIsAuthoritative
      ? `"not found" is believed once ${formatDuration(reconcile.settleDelayMs)} have passed since the last attempt${reconcile.requestWindow === undefined ? '' : ` (or the request window the attempt carried, \`${reconcile.requestWindow.field}\`, plus ${formatDuration(reconcile.requestWindow.aheadMs)})`}; then the same key is sent again`
      : '"not found" proves nothing here, so the intent is parked for a person';
    return { action: 'reconcile', text: `Look it up before any resend: ${lookupText(reconcile.lookup)}. Found: settled from the venue's answer. Otherwise ${trust}.` };
  }
  if (reconcile.scan !== undefined) {
    return { action: 'reconcile', text: `Look it up before any resend by scanning \`${reconcile.scan.path}\` for the key.` };
  }
  return {
    action: 'askPerson',
    text: `${profile.name} offers no lookup by key and no key store that replays, so nothing automatic can tell: unless the operation gives its own \`reconcile.request\`, the intent is parked for a person to check at the venue.`,
  };
}

/**
 * What the client does next after `outcome` at `profile` (`rule` gives the waits a
 * rate-limit rule reads). Mirrors the runner: retry, resign and rate limits resend the
 * same key; unknown and conflict answers are settled before anything is resent; a
 * refusal fails the intent.
 */
export function nextStep(profile: VenueProfile, outcome: Outcome, rule: ErrorRule | undefined): NextStep {
  switch (outcome.kind) {
    case 'success':
      return { action: 'none', text: 'Nothing: the venue executed it. The intent is succeeded and its result recorded.' };
    case 'retry':
      return { action: 'retry', text: 'Not executed (provably). Back off, then send again with the same key.' };
    case 'resign':
      return {
        action: 'resign',
        text: 'Not executed: the timestamp, nonce or token was stale. Rebuild the request with a fresh timestamp and signature (your interceptors sign it again), then send it with the same key.',
      };
    case 'rateLimited': {
      const sources: string[] = [];
      if (rule?.waitHeaders !== undefined && rule.waitHeaders.length > 0) sources.push(`header ${rule.waitHeaders.join(', ')}`);
      if (profile.rateLimit.retryAfterHeaders.length > 0) sources.push(`header ${profile.rateLimit.retryAfterHeaders.join(', ')}`);
      if (profile.rateLimit.retryAfterMessage !== undefined) sources.push('the wait written in the message');
      if (rule?.waitMs !== undefined) sources.push(`else ${formatDuration(rule.waitMs)}`);
      const howLong =
        outcome.retryAfterMs !== undefined
          ? `Wait ${formatDuration(outcome.retryAfterMs)}`
          : `Wait as long as the venue says (${sources.length > 0 ? sources.join(', then ') : 'no header known'}; without one, the retry backoff)`;
      const who = outcome.scope === 'venue' ? ` Every request to ${profile.name} waits, not only this one (a ban or an account-wide limit).` : '';
      return { action: 'wait', text: `Not executed: rate-limited. ${howLong}, then send again with the same key.${who}` };
    }
    case 'conflict': {
      const settle = settleText(profile);
      const head =
        outcome.conflict === 'duplicate'
          ? 'The venue already holds an order or payment with this key: an earlier attempt landed. Never send it under a new key.'
          : 'A request with this key is still running at the venue: wait, never send it under a new key.';
      return { action: settle.action, text: `${head} ${settle.text}` };
    }
    case 'unknown': {
      const settle = settleText(profile);
      return { action: settle.action, text: `May have executed. ${settle.text}` };
    }
    case 'fatal':
      return {
        action: 'stop',
        text: 'Refused: not executed. The intent is failed (VenueRejectedError); fix the request, and send a corrected action under a new business id. If an earlier attempt of the same intent may have executed, the intent stays unknown for a person instead.',
      };
  }
}

/** An outcome's kind as `intentkey explain` prints it: `unknown`, `conflict (duplicate)`. */
export function outcomeLabel(outcome: Outcome): string {
  return outcome.kind === 'conflict' ? `conflict (${outcome.conflict})` : outcome.kind;
}

/** What a rate-limited outcome adds: `scope venue`, `wait 2 min`; empty for every other kind. */
export function outcomeDetails(outcome: Outcome): string[] {
  if (outcome.kind !== 'rateLimited') return [];
  const extra = [`scope ${outcome.scope}`];
  if (outcome.retryAfterMs !== undefined) extra.push(`wait ${formatDuration(outcome.retryAfterMs)}`);
  return extra;
}

// ---------------------------------------------------------------------------------
// The explanation
// ---------------------------------------------------------------------------------

/** What `intentkey explain` is asked. */
export interface ExplainRequest {
  /** Venue code as the venue writes it (`-1007`, `idempotency_key_in_use`); `-` for a body with no code. */
  readonly code: string;
  /** HTTP status. @default the venue's usual error status ({@link usualErrorShape}) */
  readonly status?: number;
  /** Venue message. @default none */
  readonly message?: string;
  /** Response headers. @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** Current time, epoch ms: only turns HTTP-date and reset-time headers into a wait. */
  readonly nowMs: number;
}

/** Everything `intentkey explain` prints. */
export interface Explanation {
  readonly venue: string;
  readonly title: string;
  /** The code as given (`null` for a body with no code). */
  readonly code: string | null;
  /** `body`: the code is in the body; `status`: the venue is told apart by status only and CODE was the status. */
  readonly codeIn: 'body' | 'status';
  readonly status: number;
  /** `given` by `--status`, or the venue's usual error status. */
  readonly statusFrom: 'given' | 'usual';
  /** Why that status and body layout. */
  readonly shapeNote: string;
  /** The synthetic answer handed to the classifier. */
  readonly response: SyntheticResponse;
  /** Code and message the classifier read back from that body. */
  readonly read: VenueError;
  /** What {@link classifyResponse} returned. */
  readonly outcome: Outcome;
  /** The deciding rule, or `null` when none did (a 2xx success body). */
  readonly rule: {
    readonly source: 'venue' | 'generic';
    readonly index: number;
    readonly name: string;
    readonly match: ErrorRule['match'];
    readonly matchText: string;
    readonly outcome: RuleOutcome;
    readonly note: string | null;
    readonly unverified: boolean;
  } | null;
  /** Which default applied when no venue rule did. */
  readonly fallback: string | null;
  readonly next: NextStep;
  /** The profile's documents (`about.sources`). */
  readonly sources: readonly string[];
  /** The profile's unverified notes on its error rules that mention this code or status. */
  readonly unverifiedNotes: readonly string[];
}

/** CODE read as an HTTP status: at a status-only venue, with no `--status`, a 3-digit 100–599. */
function statusFromCode(profile: VenueProfile, request: ExplainRequest): number | undefined {
  if (request.status !== undefined || !codesInStatusOnly(profile) || !/^[1-5]\d\d$/.test(request.code)) return undefined;
  return Number(request.code);
}

/**
 * Explains `request.code` at `profile`: the synthetic answer, the real classifier's
 * outcome, the deciding rule (venue or generic), the next step, and the facts' sources.
 */
export function explainCode(profile: VenueProfile, request: ExplainRequest): Explanation {
  const asStatus = statusFromCode(profile, request);
  const code = asStatus !== undefined || request.code === '-' ? undefined : request.code;
  const shape = usualErrorShape(profile, code);
  const response = buildErrorResponse(profile, {
    ...(code === undefined ? {} : { code }),
    ...(request.message === undefined ? {} : { message: request.message }),
    status: asStatus ?? request.status ?? shape.status,
    ...(request.headers === undefined ? {} : { headers: request.headers }),
  });
  const facts = responseFacts(response);
  const outcome = classifyResponse(profile, facts, request.nowMs);
  const matched = findMatchedRule(profile, facts);
  const is2xx = response.status >= 200 && response.status <= 299;
  let fallback: string | null = null;
  if (matched === undefined) fallback = is2xx ? 'no rule: a 2xx answer without an error code is a success' : 'no rule matched: unknown';
  else if (matched.source === 'generic') {
    fallback =
      matched.rule.match.status === undefined
        ? `no ${profile.name} rule matched; the generic catch-all decides (anything not proven either way is unknown)`
        : `no ${profile.name} rule matched; the generic status rule for ${describeMatch(matched.rule.match)} decides`;
  }
  // The code, and a non-2xx status, as whole tokens (`200` is not in `170200`).
  const needles = [code, is2xx ? undefined : String(response.status)]
    .filter((s): s is string => s !== undefined && s !== '')
    .map((s) => new RegExp(`(^|[^\\w-])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`));
  const unverifiedNotes = (profile.about?.unverified ?? []).filter((n) => n.startsWith('errors') && needles.some((re) => re.test(n)));
  return {
    venue: profile.name,
    title: profile.about?.title ?? profile.name,
    code: code ?? (asStatus !== undefined ? request.code : null),
    codeIn: asStatus !== undefined ? 'status' : 'body',
    status: response.status,
    statusFrom: asStatus !== undefined || request.status !== undefined ? 'given' : 'usual',
    shapeNote: shape.note,
    response,
    read: readVenueError(profile, response.body),
    outcome,
    rule:
      matched === undefined
        ? null
        : {
            source: matched.source,
            index: matched.index,
            name: matched.name,
            match: matched.rule.match,
            matchText: describeMatch(matched.rule.match),
            outcome: matched.rule.outcome,
            note: matched.rule.note ?? null,
            unverified: matched.rule.unverified === true,
          },
    fallback,
    next: nextStep(profile, outcome, matched?.rule),
    sources: profile.about?.sources ?? [],
    unverifiedNotes,
  };
}

// ---------------------------------------------------------------------------------
// Venue summaries
// ---------------------------------------------------------------------------------

/** One profile's safety facts, as `intentkey venues` shows them. */
export interface VenueSummary {
  readonly name: string;
  readonly title: string;
  readonly kind: VenueProfile['kind'];
  /** `query newClientOrderId`. */
  readonly key: string;
  /** `verbatim, max 36, /^[A-Za-z0-9_-]{1,36}$/`. */
  readonly format: string;
  /** `keyStore`, `openOrders` or `none`. */
  readonly dedupe: DedupeSpec['kind'];
  /** `24 h`, `24 h (successes only)`, `open orders only`, `none`. */
  readonly dedupeWindow: string;
  /** `GET /api/v3/order (origClientOrderId)`, `scan GET /v1/payment_intents`, or `none`. */
  readonly lookup: string;
  /** Whether a lookup's "not found" proves the action never executed. */
  readonly notFoundAuthoritative: boolean;
  /** Settle delay before "not found" is believed, in ms. */
  readonly settleDelayMs: number;
  /** `after 61 s (or recvWindow + 1 s)`, `never (a person decides)`. */
  readonly notFoundTrusted: string;
  /** How long the object stays findable by key, in ms; `null`: no limit known. */
  readonly findableForMs: number | null;
  readonly rules: number;
  readonly unverifiedRules: number;
}

/** The facts of `profile` that decide whether a retried write is safe. */
export function summariseVenue(profile: VenueProfile): VenueSummary {
  const { key, dedupe, reconcile } = profile;
  const f = key.format;
  const format = [
    f.encoding,
    f.prefix ? `prefix ${f.prefix}` : undefined,
    f.encoding === 'integer' && f.maxInteger !== undefined ? `max ${String(f.maxInteger)}` : `max ${String(f.maxLength)} chars`,
    f.pattern === undefined ? undefined : `/${f.pattern}/`,
  ]
    .filter((s) => s !== undefined)
    .join(', ');
  const dedupeWindow =
    dedupe.kind === 'keyStore'
      ? `${formatDuration(dedupe.retentionMs)}${dedupe.stores === 'successes' ? ' (successes only)' : ''}`
      : dedupe.kind === 'openOrders'
        ? 'open orders only'
        : 'none';
  const lookup =
    reconcile.lookup !== undefined
      ? `${reconcile.lookup.method} ${reconcile.lookup.path}${reconcile.lookup.keyParam === undefined ? '' : ` (${reconcile.lookup.keyParam})`}${(reconcile.fallbackLookups?.length ?? 0) > 0 ? ` +${String(reconcile.fallbackLookups?.length)} fallback` : ''}`
      : reconcile.scan !== undefined
        ? `scan GET ${reconcile.scan.path}`
        : 'none';
  const hasLookup = reconcile.lookup !== undefined || reconcile.scan !== undefined;
  const window = reconcile.requestWindow;
  const notFoundTrusted = !hasLookup
    ? 'no lookup'
    : reconcile.notFoundIsAuthoritative
      ? `after ${formatDuration(reconcile.settleDelayMs)}${window === undefined ? '' : ` (or ${window.field} + ${formatDuration(window.aheadMs)})`}`
      : 'never (a person decides)';
  return {
    name: profile.name,
    title: profile.about?.title ?? profile.name,
    kind: profile.kind,
    key: `${key.placement} ${key.field}`,
    format,
    dedupe: dedupe.kind,
    dedupeWindow,
    lookup,
    notFoundAuthoritative: reconcile.notFoundIsAuthoritative,
    settleDelayMs: reconcile.settleDelayMs,
    notFoundTrusted,
    findableForMs: reconcile.findableForMs ?? null,
    rules: profile.errors.length,
    unverifiedRules: profile.errors.filter((r) => r.unverified === true).length,
  };
}
