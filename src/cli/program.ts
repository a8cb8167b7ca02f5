import { Command, CommanderError } from 'commander';
import { isIntentError } from '../errors/index.js';
import { registerAudit } from './commands/audit.js';
import { registerExplain } from './commands/explain.js';
import { registerKey } from './commands/key.js';
import { registerLedger } from './commands/ledger.js';
import { registerLogFields } from './commands/log-fields.js';
import { registerPolicy } from './commands/policy.js';
import { commandContext } from './context.js';
import { CliError, EXIT, type CliIo } from './io.js';

declare const __INTENTKEY_VERSION__: string | undefined;
const VERSION = typeof __INTENTKEY_VERSION__ === 'string' ? __INTENTKEY_VERSION__ : '0.0.0-dev';

const EXIT_HELP = `
Exit codes:
  0  done, nothing wrong found
  1  unexpected error
  2  bad usage (unknown option, bad value, missing argument or environment variable)
  3  findings a person must look at (key fails the venue format, ledger damage,
     intents needing attention, orphans or ghosts)
  4  ledger unavailable, or held by a running bot (a write was refused)
  5  not found (no such intent)

Colour only on a terminal; NO_COLOR=1 turns it off. Every subcommand takes --json.
Docs: docs/cli.md`;

/** Builds the `intentkey` program for one run. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('intentkey');
  program
    .description('Tools for intentkey: design keys and retry policies, explain venue errors, and inspect and settle a ledger.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  const context = commandContext(io, setExit);
  for (const register of [registerKey, registerPolicy, registerExplain, registerLogFields, registerLedger, registerAudit]) {
    register(program, context);
  }
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) });
  return program;
}

/**
 * Runs the command with `argv` (without the node and script entries) and resolves
 * with the exit code. Never calls `process.exit`; never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const setExit = (next: number): void => {
    code = Math.max(code, next);
  };
  const program = createProgram(io, setExit);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end "with an error" in commander's exitOverride mode.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`intentkey: ${error.message}\n`);
      return error.exitCode;
    }
    if (isIntentError(error)) {
      io.stderr.write(`intentkey: ${error.message}\n`);
      const name = (error as { name?: string }).name;
      if (name === 'ConfigurationError' || name === 'KeyFormatError') return EXIT.usage;
      if (name === 'LedgerLockedError' || name === 'LedgerUnavailableError' || name === 'IntentBusyError' || name === 'LedgerLeaseLostError') return EXIT.unavailable;
      return EXIT.error;
    }
    io.stderr.write(`intentkey: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.error;
  }
}
