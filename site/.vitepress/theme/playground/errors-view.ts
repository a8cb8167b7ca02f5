// The error-code playground's state and what the page shows for it: the same
// explanation as `intentkey explain VENUE CODE` (src/tools/explain.ts), for one venue
// profile or for every one side by side.
import { isConfigurationError } from '../../../../src/errors/index.js';
import {
  GENERIC_VENUE_NAMES,
  VENUE_NAMES,
  explainCode,
  findVenueProfile,
  outcomeDetails,
  outcomeLabel,
  parseHeaderList,
  type Explanation,
  type NextAction,
} from '../../../../src/tools/index.js';
import { commandLine } from './shell.js';
import type { Schema, StateOf } from './url-state.js';

/** Every profile the page explains against: the venues, then the generic ones. */
export const ALL_VENUES: readonly string[] = [...VENUE_NAMES, ...GENERIC_VENUE_NAMES];

/** The error playground's fields, in URL order. */
export const ERROR_SCHEMA = {
  code: { kind: 'text', maxLength: 200, default: '' },
  /** `''`: every profile. */
  venue: { kind: 'enum', values: ['', ...ALL_VENUES], default: '' },
  /** Empty: the status each venue usually sends with an error body. */
  status: { kind: 'optionalInt', min: 100, max: 599 },
  message: { kind: 'text', maxLength: 500, default: '' },
  /** `Name: value` per item. */
  header: { kind: 'list', maxItems: 20, maxLength: 500 },
} as const satisfies Schema;

export type ErrorState = StateOf<typeof ERROR_SCHEMA>;

/** One profile's answer to the code. */
export interface ErrorRow {
  readonly venue: string;
  readonly title: string;
  /** `unknown`, `conflict (duplicate)`, ... */
  readonly outcome: string;
  /** `scope venue`, `wait 2 min` for a rate limit. */
  readonly details: readonly string[];
  /** `binance-spot errors[11]`, `GENERIC_RULES[3]`, or `none`. */
  readonly ruleName: string;
  /** The rule's conditions in words. */
  readonly ruleText: string | null;
  /** Where the rule's fact comes from (the rule's note). */
  readonly ruleNote: string | null;
  /** Which default applied when no venue rule did. */
  readonly fallback: string | null;
  /** Whether the deciding rule is marked unverified in the profile. */
  readonly unverified: boolean;
  /** The profile's unverified notes that mention this code or status. */
  readonly unverifiedNotes: readonly string[];
  readonly next: { readonly action: NextAction; readonly text: string };
  /** The answer handed to the classifier: `HTTP 400 {"code":"-1007"}`. */
  readonly answer: string;
  /** Why that status and layout (`given`, or the venue's usual error shape). */
  readonly statusNote: string;
  readonly sources: readonly string[];
  /** The same in the command. */
  readonly command: readonly string[];
  readonly commandText: string;
  readonly explanation: Explanation;
}

/** What the error page shows. */
export interface ErrorView {
  /** Nothing to explain yet (no code typed). */
  readonly empty: boolean;
  readonly error: { readonly field: keyof ErrorState; readonly message: string } | null;
  readonly rows: readonly ErrorRow[];
  /** How many rows per next action (`reconcile: 9`), in the order of the rows' first appearance. */
  readonly tally: readonly { readonly action: NextAction; readonly count: number }[];
}

/** The `intentkey explain` arguments for one venue and the state's answer. */
export function explainCommandArgs(venue: string, state: ErrorState): string[] {
  return [
    'explain',
    venue,
    state.code.trim(),
    ...(state.status === null ? [] : ['--status', String(state.status)]),
    ...(state.message === '' ? [] : ['--message', state.message]),
    ...state.header.filter((h) => h.trim() !== '').flatMap((h) => ['--header', h]),
  ];
}

/** The state's headers (blank items skipped) as `explainCode` takes them. @throws ConfigurationError for a malformed one. */
function headersOf(state: ErrorState): Record<string, string> {
  return parseHeaderList(state.header.filter((h) => h.trim() !== ''));
}

/**
 * The explanation of the state's code at one profile or at every one (`venue: ''`),
 * `nowMs` turning HTTP-date headers into waits (the page passes the current time).
 */
export function errorsView(state: ErrorState, nowMs: number): ErrorView {
  const code = state.code.trim();
  if (code === '') return { empty: true, error: null, rows: [], tally: [] };
  let headers: Record<string, string>;
  try {
    headers = headersOf(state);
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return { empty: false, error: { field: 'header', message: `expected ${error.expected}, received ${error.received}` }, rows: [], tally: [] };
  }
  const venues = state.venue === '' ? ALL_VENUES : [state.venue];
  const rows: ErrorRow[] = [];
  for (const name of venues) {
    const profile = findVenueProfile(name);
    if (profile === undefined) continue;
    const e = explainCode(profile, {
      code,
      nowMs,
      ...(state.status === null ? {} : { status: state.status }),
      ...(state.message === '' ? {} : { message: state.message }),
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
    });
    const args = explainCommandArgs(name, state);
    rows.push({
      venue: e.venue,
      title: e.title,
      outcome: outcomeLabel(e.outcome),
      details: outcomeDetails(e.outcome),
      ruleName: e.rule?.name ?? 'none',
      ruleText: e.rule?.matchText ?? null,
      ruleNote: e.rule?.note ?? null,
      fallback: e.fallback,
      unverified: e.rule?.unverified === true,
      unverifiedNotes: e.unverifiedNotes,
      next: e.next,
      answer: `HTTP ${e.status} ${JSON.stringify(e.response.body)}`,
      statusNote:
        e.statusFrom === 'usual' ? `usual error status: ${e.shapeNote}` : e.codeIn === 'status' ? 'the code taken as the HTTP status: this venue is told apart by status only' : 'status as given',
      sources: e.sources,
      command: args,
      commandText: commandLine(args),
      explanation: e,
    });
  }
  const tally: { action: NextAction; count: number }[] = [];
  for (const row of rows) {
    const found = tally.find((t) => t.action === row.next.action);
    if (found === undefined) tally.push({ action: row.next.action, count: 1 });
    else found.count++;
  }
  return { empty: false, error: null, rows, tally };
}
