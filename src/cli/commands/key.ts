import { Option, type Command } from 'commander';
import { createCryptoRandom } from '../../internal/random.js';
import {
  DESIGN_STRATEGIES,
  MAX_DESIGN_COUNT,
  MIN_DERIVE_SECRET_LENGTH,
  OPERATION_NAME_PATTERN,
  designKeys,
  designVerdict,
  findVenueProfile,
  keyContract,
  venueNames,
  type DesignStrategy,
  type DesignedKey,
  type KeyDesign,
} from '../../tools/key-designer.js';
import type { VenueProfile } from '../../venues/profile.js';
import { withJson, type CommandContext, type RegisterCommand } from '../context.js';
import { CliError, EXIT, formatTable, writeJson, type Paint } from '../io.js';

/** Options of `intentkey key`, as commander parses them. */
interface KeyCommandOptions {
  readonly strategy?: string;
  readonly venue?: string;
  readonly count?: string;
  readonly key?: string[];
  readonly secretEnv?: string;
  readonly secret?: string;
  readonly scope?: string;
  readonly operation?: string;
  readonly businessId?: string;
  readonly contract?: boolean;
  readonly fingerprint?: string;
  readonly json?: boolean;
}

/** Environment variable names we read a secret from (POSIX portable names). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const HELP = `
Examples:
  $ intentkey key                                  one ULID and the time it carries
  $ intentkey key --strategy uuidv7 --count 5      five UUIDv7 keys
  $ intentkey key --venue binance-spot             the key as Binance spot receives it, checked against its format
  $ intentkey key --venue stripe --json            the same as JSON (key, venueKey, check, timestamp, http)
  $ intentkey key --venue binance-spot --key 'bot-7:signal-1182'
                                                   check a key you already use (exit 3 when it does not fit)
  $ KEY_SECRET=... intentkey key --strategy derived --secret-env KEY_SECRET \\
      --scope acct-42 --operation order.create --business-id inv-1182 --venue okx
                                                   the derived key of one action (the secret is read from
                                                   the environment, never from the command line)
  $ intentkey key --contract --venue stripe --operation payment.create --fingerprint amount,currency
                                                   the idempotency contract of an operation, as Markdown

Venues: ${venueNames().join(', ')}
Exit codes: 0 every key fits, 2 bad usage, 3 a key fails the venue's format.`;

function usage(option: string, expected: string, received: string): CliError {
  return new CliError(`${option}: expected ${expected}, received ${received}`, EXIT.usage);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

function resolveVenue(name: string): VenueProfile {
  const profile = findVenueProfile(name);
  if (profile === undefined) throw usage('--venue', `one of ${venueNames().join(', ')}`, quote(name));
  return profile;
}

function resolveStrategy(name: string | undefined): DesignStrategy {
  if (name === undefined) return 'ulid';
  const found = DESIGN_STRATEGIES.find((s) => s === name);
  if (found === undefined) throw usage('--strategy', `one of ${DESIGN_STRATEGIES.join(', ')}`, quote(name));
  return found;
}

function resolveCount(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = /^[0-9]{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= MAX_DESIGN_COUNT)) throw usage('--count', `an integer from 1 to ${MAX_DESIGN_COUNT}`, quote(text));
  return n;
}

function resolveOperation(text: string, option = '--operation'): string {
  if (!OPERATION_NAME_PATTERN.test(text)) throw usage(option, 'an operation name (letters, digits and . _ : / -, starting with a letter or digit, at most 128 characters)', quote(text));
  return text;
}

/**
 * The secret of a derived key, read from the environment variable `--secret-env` names.
 * Errors name the variable, never its value. A `--secret-env` value that is not a
 * variable name is not echoed either: it may be the secret itself, pasted by mistake.
 */
function readSecret(name: string | undefined, env: CommandContext['io']['env']): string {
  if (name === undefined) throw usage('--secret-env', 'the NAME of an environment variable holding the secret (required by --strategy derived)', 'nothing');
  if (!ENV_NAME.test(name)) throw usage('--secret-env', 'the NAME of an environment variable (letters, digits and _)', 'a value that is not a name (not shown: it may be the secret itself)');
  const value = env[name];
  if (value === undefined || value === '') throw usage('--secret-env', `environment variable ${name} to be set`, value === undefined ? 'a variable that is not set' : 'an empty variable');
  if (value.length < MIN_DERIVE_SECRET_LENGTH) throw usage('--secret-env', `environment variable ${name} to hold at least ${MIN_DERIVE_SECRET_LENGTH} characters`, 'a shorter value');
  return value;
}

function required(option: string, value: string | undefined): string {
  if (value === undefined || value === '') throw usage(option, 'a value (required by --strategy derived)', 'nothing');
  return value;
}

function runContract(options: KeyCommandOptions, ctx: CommandContext): void {
  for (const [flag, value] of [['--count', options.count], ['--key', options.key], ['--secret-env', options.secretEnv], ['--scope', options.scope], ['--business-id', options.businessId]] as const) {
    if (value !== undefined) throw usage(flag, 'no value with --contract', 'one');
  }
  const venue = resolveVenue(options.venue ?? 'generic');
  const operation = options.operation === undefined ? undefined : resolveOperation(options.operation);
  const fingerprintFields = options.fingerprint === undefined ? undefined : options.fingerprint.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (fingerprintFields !== undefined && fingerprintFields.length === 0) throw usage('--fingerprint', 'comma-separated field names', quote(options.fingerprint ?? ''));
  const strategy = resolveStrategy(options.strategy);
  const markdown = keyContract(venue, operation, { strategy, ...(fingerprintFields === undefined ? {} : { fingerprintFields }) });
  if (options.json) writeJson(ctx.io.stdout, { venue: venue.name, operation: operation ?? null, strategy, markdown });
  else ctx.io.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

function checkCell(key: DesignedKey, p: Paint): string {
  if (key.check === null) return p.dim('-');
  return key.check.ok ? p.green('ok') : p.red(`FAILS ${key.check.rule}`);
}

function timeCell(key: DesignedKey): string {
  return key.timestamp === null ? '-' : key.timestamp.iso;
}

function renderText(design: KeyDesign, p: Paint, secretEnv: string | undefined): string {
  const lines: string[] = [];
  const label = (text: string): string => p.dim(text.padEnd(11));
  lines.push(`${label('strategy')}${design.strategy === 'given' ? 'given keys' : design.strategy}`);
  if (design.derivedFrom !== undefined) {
    const d = design.derivedFrom;
    lines.push(`${label('from')}scope ${quote(d.scope)}, operation ${quote(d.operation)}, business id ${quote(d.businessId)}`);
    if (secretEnv !== undefined) lines.push(`${label('secret')}from $${secretEnv} (not shown)`);
  }
  if (design.venue !== null) lines.push(`${label('venue')}${design.venue.name} (${design.venue.formatText})`);
  lines.push('');
  if (design.keys.length === 1) {
    const [key] = design.keys as [DesignedKey];
    lines.push(`${label('key')}${p.bold(key.key)}`);
    if (design.venue !== null) {
      lines.push(`${label('venue key')}${p.bold(key.venueKey)}`);
      lines.push(`${label('format')}${checkCell(key, p)}`);
    }
    if (key.timestamp !== null) lines.push(`${label('time')}${key.timestamp.iso} (from the ${key.timestamp.from === 'ulid' ? 'ULID' : 'UUIDv7'})`);
    if (key.http !== null) lines.push(...httpLines(key, p));
  } else {
    const venue = design.venue !== null;
    const headers = ['#', 'key', ...(venue ? ['venue key', 'format'] : []), 'time (UTC)'];
    const rows = design.keys.map((k, i) => [String(i + 1), k.key, ...(venue ? [k.venueKey, checkCell(k, p)] : []), timeCell(k)]);
    lines.push(formatTable(headers, rows, ['right']).trimEnd());
    const first = design.keys[0];
    if (first?.http != null) lines.push('', p.dim('how the first key travels:'), ...httpLines(first, p));
  }
  const verdict = designVerdict(design);
  if (verdict !== null) lines.push('', design.failing === 0 ? p.green(verdict) : p.red(verdict));
  return lines.join('\n') + '\n';
}

function httpLines(key: DesignedKey, p: Paint): string[] {
  const http = key.http;
  if (http === null) return [];
  const where = (text: string): string => p.dim(text.padEnd(11));
  const lines = [`${where(http.in)}${p.cyan(http.text)}${http.valueType === 'number' ? p.dim('  (a JSON number)') : ''}`];
  if (http.form !== undefined) lines.push(`${where('  or form')}${p.cyan(http.form)}`);
  if (http.echo !== undefined) {
    lines.push(`${where(`echo ${http.echo.in}`)}${p.cyan(http.echo.text)}`);
    if (http.echo.form !== undefined) lines.push(`${where('  or form')}${p.cyan(http.echo.form)}`);
  }
  return lines;
}

function runDesign(options: KeyCommandOptions, ctx: CommandContext): void {
  if (options.fingerprint !== undefined) throw usage('--fingerprint', 'no value without --contract', 'one');
  const venue = options.venue === undefined ? undefined : resolveVenue(options.venue);
  const given = options.key;
  let design: KeyDesign;
  let secretEnv: string | undefined;
  if (given !== undefined) {
    for (const [flag, value] of [['--strategy', options.strategy], ['--count', options.count], ['--secret-env', options.secretEnv]] as const) {
      if (value !== undefined) throw usage(flag, 'no value with --key (the keys are given, not minted)', 'one');
    }
    if (given.length > MAX_DESIGN_COUNT) throw usage('--key', `at most ${MAX_DESIGN_COUNT} keys`, `${given.length}`);
    design = designKeys({ keys: given, ...(venue === undefined ? {} : { venue }) }, { random: createCryptoRandom(), now: ctx.io.now() });
  } else {
    const strategy = resolveStrategy(options.strategy);
    const count = resolveCount(options.count);
    if (strategy === 'derived') {
      if (count !== 1) throw usage('--count', '1 with --strategy derived (the same inputs always give the same key)', quote(options.count ?? ''));
      const scope = required('--scope', options.scope);
      const operation = resolveOperation(required('--operation', options.operation));
      const businessId = required('--business-id', options.businessId);
      const secret = readSecret(options.secretEnv, ctx.io.env);
      secretEnv = options.secretEnv;
      design = designKeys({ strategy, derived: { secret, scope, operation, businessId }, ...(venue === undefined ? {} : { venue }) }, { random: createCryptoRandom(), now: ctx.io.now() });
    } else {
      for (const [flag, value] of [['--secret-env', options.secretEnv], ['--scope', options.scope], ['--operation', options.operation], ['--business-id', options.businessId]] as const) {
        if (value !== undefined) throw usage(flag, `no value with --strategy ${strategy} (only derived keys use it)`, 'one');
      }
      design = designKeys({ strategy, count, ...(venue === undefined ? {} : { venue }) }, { random: createCryptoRandom(), now: ctx.io.now() });
    }
  }
  if (options.json) writeJson(ctx.io.stdout, secretEnv === undefined ? design : { ...design, secretEnv });
  else ctx.io.stdout.write(renderText(design, ctx.paint, secretEnv));
  if (design.failing > 0) ctx.exit(EXIT.findings);
}

/**
 * `intentkey key`: mint keys with any strategy and see them as a venue receives them
 * (encoded, format-checked, placed in the request), or print an operation's
 * idempotency contract (`--contract`).
 */
export const registerKey: RegisterCommand = (program: Command, ctx: CommandContext) => {
  const command = program
    .command('key')
    .description("design idempotency keys: mint them, see them as a venue receives them, print an operation's idempotency contract")
    .option('--strategy <name>', `key strategy: ${DESIGN_STRATEGIES.join(' | ')} (default: ulid)`)
    .option('--venue <name>', 'show each key after this venue\'s encoding, check it against the venue\'s format and show where it travels')
    .option('--count <n>', `how many keys to mint, 1 to ${MAX_DESIGN_COUNT} (default: 1)`)
    .option('--key <key>', 'check a key you already have instead of minting one (repeatable)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--secret-env <NAME>', 'derived: the NAME of the environment variable holding the HMAC secret (at least 16 characters)')
    .option('--scope <scope>', 'derived: who the action belongs to (account, tenant)')
    .option('--operation <name>', 'derived and --contract: the operation name, e.g. order.create')
    .option('--business-id <id>', "derived: your own id of the action (order or invoice id)")
    .option('--contract', "print the operation's idempotency contract as Markdown (venue default: generic)")
    .option('--fingerprint <fields>', '--contract: comma-separated fields the operation fingerprints, e.g. symbol,side,quantity')
    // Never a way to pass a secret: defined only to refuse it without echoing the value
    // (commander's own "unknown option" error would print `--secret=<value>`).
    .addOption(new Option('--secret <value>').hideHelp());
  withJson(command)
    .addHelpText('after', HELP)
    .action((options: KeyCommandOptions) => {
      if (options.secret !== undefined) {
        throw new CliError('--secret: refused: a secret on the command line ends up in shell history and process lists; put it in an environment variable and pass its name with --secret-env NAME', EXIT.usage);
      }
      if (options.contract) runContract(options, ctx);
      else runDesign(options, ctx);
    });
};
