/**
 * What every `intentkey` subcommand shares: where output goes, whether it may be
 * coloured, how a table and JSON are printed, and the exit codes (docs/cli.md,
 * "Exit codes").
 */

/** Exit codes of the `intentkey` command. Stable: scripts may branch on them. */
export const EXIT = Object.freeze({
  /** The command did what was asked and found nothing wrong. */
  ok: 0,
  /** An unexpected error (a bug, or an I/O error no other code covers). */
  error: 1,
  /** Bad usage: an unknown option, a bad value, a missing argument or environment variable. */
  usage: 2,
  /**
   * The command ran and found something a person must look at: a key that fails the
   * venue's format, a damaged ledger (`verify`), intents needing attention
   * (`attention`), orphans or ghosts (`audit`).
   */
  findings: 3,
  /** The ledger could not be opened, or is held by a running bot (a write was refused). */
  unavailable: 4,
  /** The intent (or other named thing) does not exist. */
  notFound: 5,
} as const);

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the command reports in one line, with its exit code (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.usage,
  ) {
    super(message);
  }
}

/** A writable text stream (process.stdout, or a buffer in tests). */
export interface TextOut {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Where a command writes and what it may read; injected so commands run in-process in tests. */
export interface CliIo {
  readonly stdout: TextOut;
  readonly stderr: TextOut;
  /** Environment variables (secrets for `key --strategy derived`, ledger URLs). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory, for relative paths. */
  readonly cwd: string;
  /** Current time, epoch ms. */
  readonly now: () => number;
}

/**
 * True when output to `stream` may carry ANSI colour: only on a terminal, never when
 * `NO_COLOR` is set to anything non-empty (https://no-color.org) or `TERM=dumb`;
 * `FORCE_COLOR` (non-empty, not `0`) turns it on even when piped.
 */
export function colourEnabled(stream: TextOut, env: CliIo['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** ANSI styling that becomes the identity when colour is off. */
export interface Paint {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Removes ANSI styling, for width calculations. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * A plain-text table: one header row, columns padded to their widest cell (styling
 * ignored when measuring). Numbers are right-aligned when `align` says so.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('left' | 'right')[]): string {
  const widths = headers.map((h, i) => Math.max(stripAnsi(h).length, ...rows.map((r) => stripAnsi(r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - stripAnsi(cell).length));
        return align?.[i] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** Writes `value` as pretty JSON followed by a newline. */
export function writeJson(out: TextOut, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}
