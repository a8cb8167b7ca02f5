// The key designer playground's state and what the page shows for it, from the same
// functions as `intentkey key` (src/tools/key-designer.ts). Pure: randomness, time and
// the derivation secret are passed in; the secret is never part of the state, the URL
// or any text returned.
import {
  DESIGN_STRATEGIES,
  MAX_DESIGN_COUNT,
  MIN_DERIVE_SECRET_LENGTH,
  OPERATION_NAME_PATTERN,
  designKeys,
  designVerdict,
  findVenueProfile,
  keyContract,
  keyRequestExample,
  venueNames,
  type DesignEnvironment,
  type KeyDesign,
} from '../../../../src/tools/index.js';
import { isConfigurationError } from '../../../../src/errors/index.js';
import { commandLine } from './shell.js';
import type { RandomSource } from '../../../../src/injectables.js';
import type { Schema, StateOf } from './url-state.js';

/** The key playground's fields, in URL order. */
export const KEY_SCHEMA = {
  strategy: { kind: 'enum', values: DESIGN_STRATEGIES, default: 'ulid' },
  venue: { kind: 'enum', values: ['', ...venueNames()], default: 'binance-spot' },
  count: { kind: 'int', min: 1, max: MAX_DESIGN_COUNT, default: 1 },
  /** Keys you already have, to check instead of minting (`intentkey key --key`). */
  key: { kind: 'list', maxItems: MAX_DESIGN_COUNT, maxLength: 500 },
  scope: { kind: 'text', maxLength: 200, default: 'acct-42' },
  operation: { kind: 'text', maxLength: 128, default: 'order.create' },
  business: { kind: 'text', maxLength: 200, default: 'inv-1182' },
  fingerprint: { kind: 'text', maxLength: 500, default: '' },
  body: { kind: 'enum', values: ['json', 'form'], default: 'json' },
} as const satisfies Schema;

export type KeyState = StateOf<typeof KEY_SCHEMA>;

/** Where the secret of a derived key would come from in the command (never its value). */
export const SECRET_ENV = 'KEY_SECRET';

/** One key as the page lists it. */
export interface KeyRow {
  readonly key: string;
  readonly venueKey: string;
  /** `null` without a venue. */
  readonly fits: boolean | null;
  /** The failing rule, when it does not fit. */
  readonly rule: string | null;
  /** ISO time a ULID or UUIDv7 carries. */
  readonly time: string | null;
  /** `ULID` or `UUIDv7`. */
  readonly timeFrom: string | null;
}

/** What the key page shows. */
export interface KeyView {
  /** The strategy used, or `given` for keys being checked. */
  readonly mode: 'mint' | 'given';
  /** Why nothing could be designed (a bad input), naming the control. */
  readonly error: { readonly field: keyof KeyState | 'secret'; readonly message: string } | null;
  readonly design: KeyDesign | null;
  readonly rows: readonly KeyRow[];
  /** The first key in a request to the venue (HTTP/1.1, key part only); `null` without a venue. */
  readonly request: string | null;
  /** `the key fits binance-spot's key format` and the like; `null` without a venue. */
  readonly verdict: string | null;
  /** The operation's idempotency contract, as Markdown (the venue, or `generic` without one); `''` with `contractError`. */
  readonly contract: string;
  /** Why there is no contract (an operation name the client refuses). */
  readonly contractError: { readonly field: 'operation'; readonly message: string } | null;
  /** The same in the command: design and contract. */
  readonly command: { readonly design: readonly string[]; readonly designEnv: Readonly<Record<string, string>>; readonly contract: readonly string[] };
  readonly commandText: { readonly design: string; readonly contract: string };
}

/** The fingerprint field list of the state (`a, b` -> `['a', 'b']`), or `undefined` when empty. */
export function fingerprintFields(text: string): string[] | undefined {
  const fields = text
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return fields.length === 0 ? undefined : fields;
}

/** The `intentkey key` arguments that design what `state` shows (the secret as an environment variable name). */
export function keyCommandArgs(state: KeyState): { args: string[]; env: Record<string, string> } {
  const venue = state.venue === '' ? [] : ['--venue', state.venue];
  if (state.key.length > 0) return { args: ['key', ...venue, ...state.key.flatMap((k) => ['--key', k]), '--json'], env: {} };
  if (state.strategy === 'derived') {
    return {
      args: ['key', '--strategy', 'derived', '--secret-env', SECRET_ENV, '--scope', state.scope, '--operation', state.operation, '--business-id', state.business, ...venue, '--json'],
      env: { [SECRET_ENV]: '<your secret>' },
    };
  }
  return { args: ['key', '--strategy', state.strategy, ...(state.count === 1 ? [] : ['--count', String(state.count)]), ...venue, '--json'], env: {} };
}

/** The `intentkey key --contract` arguments of the contract the page shows. */
export function contractCommandArgs(state: KeyState): string[] {
  const fields = fingerprintFields(state.fingerprint);
  return [
    'key',
    '--contract',
    '--venue',
    state.venue === '' ? 'generic' : state.venue,
    '--strategy',
    state.strategy,
    ...(state.operation === '' ? [] : ['--operation', state.operation]),
    ...(fields === undefined ? [] : ['--fingerprint', fields.join(',')]),
  ];
}

/** Which control a designKeys error is about. */
function fieldOf(path: string): keyof KeyState | 'secret' {
  if (path === 'derived.secret') return 'secret';
  if (path === 'derived.scope') return 'scope';
  if (path === 'derived.operation') return 'operation';
  if (path === 'derived.businessId') return 'business';
  if (path.startsWith('keys')) return 'key';
  if (path === 'count') return 'count';
  return 'strategy';
}

/**
 * What the key page shows for `state`: the keys (minted with `env`, or the ones given),
 * each as the venue receives it, checked, with its time; the request; the contract; and
 * the equivalent commands. `secret` is the derivation secret typed into the page.
 */
export function keyView(state: KeyState, env: DesignEnvironment, secret: string): KeyView {
  const venue = state.venue === '' ? undefined : findVenueProfile(state.venue);
  const mode = state.key.length > 0 ? 'given' : 'mint';
  const design = keyCommandArgs(state);
  const contractArgs = contractCommandArgs(state);
  const contractVenue = venue ?? findVenueProfile('generic');
  const fields = fingerprintFields(state.fingerprint);
  // The command refuses an operation name the client would refuse; so does the page.
  const contractError =
    state.operation === '' || OPERATION_NAME_PATTERN.test(state.operation)
      ? null
      : { field: 'operation' as const, message: 'expected an operation name (letters, digits and . _ : / -, starting with a letter or digit, at most 128 characters)' };
  const contract =
    contractVenue === undefined || contractError !== null
      ? ''
      : keyContract(contractVenue, state.operation === '' ? undefined : state.operation, { strategy: state.strategy, ...(fields === undefined ? {} : { fingerprintFields: fields }) });
  const base = {
    mode,
    contract,
    contractError,
    command: { design: design.args, designEnv: design.env, contract: contractArgs },
    commandText: { design: commandLine(design.args, design.env), contract: commandLine(contractArgs) },
  } as const;

  if (mode === 'mint' && state.strategy === 'derived' && secret.length < MIN_DERIVE_SECRET_LENGTH) {
    return {
      ...base,
      error: { field: 'secret', message: `Type a secret of at least ${MIN_DERIVE_SECRET_LENGTH} characters: a derived key is HMAC-SHA256 under it. It stays in this page (not in the link, not sent anywhere).` },
      design: null,
      rows: [],
      request: null,
      verdict: null,
    };
  }
  let result: KeyDesign;
  try {
    result = designKeys(
      {
        ...(mode === 'given' ? { keys: state.key } : { strategy: state.strategy, count: state.strategy === 'derived' ? 1 : state.count }),
        ...(mode === 'mint' && state.strategy === 'derived' ? { derived: { secret, scope: state.scope, operation: state.operation, businessId: state.business } } : {}),
        ...(venue === undefined ? {} : { venue }),
      },
      env,
    );
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return { ...base, error: { field: fieldOf(error.path), message: `expected ${error.expected}, received ${error.received}` }, design: null, rows: [], request: null, verdict: null };
  }
  const rows = result.keys.map(
    (k): KeyRow => ({
      key: k.key,
      venueKey: k.venueKey,
      fits: k.check === null ? null : k.check.ok,
      rule: k.check !== null && !k.check.ok ? k.check.rule : null,
      time: k.timestamp?.iso ?? null,
      timeFrom: k.timestamp === null ? null : k.timestamp.from === 'ulid' ? 'ULID' : 'UUIDv7',
    }),
  );
  const first = result.keys[0];
  return {
    ...base,
    error: null,
    design: result,
    rows,
    request: venue === undefined || first === undefined ? null : keyRequestExample(venue.key, first.venueKey, { body: state.body }),
    verdict: designVerdict(result),
  };
}

/**
 * Random bits that can be replayed: each {@link ReplayableRandom.run} returns a source
 * that yields the same bytes from the start, drawing from `source` (Web Crypto in the
 * page) only past what earlier runs used. The page recomputes its keys on every change
 * of a field; with one replayable source per "generate", the keys change only when the
 * user asks for new ones (or for more of them), and the same key can be seen at every
 * venue and in every strategy's shape.
 */
export interface ReplayableRandom {
  run(): RandomSource;
}

/** A {@link ReplayableRandom} over `source`. `next()` reads 4 bytes as a big-endian fraction of 2^32. */
export function replayableRandom(source: RandomSource): ReplayableRandom {
  let recorded = new Uint8Array(0);
  const ensure = (end: number): void => {
    if (end <= recorded.length) return;
    const grown = new Uint8Array(Math.max(end, recorded.length * 2, 256));
    grown.set(recorded);
    const fresh = grown.subarray(recorded.length);
    // Web Crypto fills at most 65536 bytes per call.
    for (let at = 0; at < fresh.length; at += 65_536) source.fill(fresh.subarray(at, at + 65_536));
    recorded = grown;
  };
  return {
    run(): RandomSource {
      let offset = 0;
      return {
        next(): number {
          ensure(offset + 4);
          const value = new DataView(recorded.buffer, offset, 4).getUint32(0);
          offset += 4;
          return value / 2 ** 32;
        },
        fill(target: Uint8Array): void {
          ensure(offset + target.length);
          target.set(recorded.subarray(offset, offset + target.length));
          offset += target.length;
        },
      };
    },
  };
}
