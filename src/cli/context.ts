import type { Command } from 'commander';
import { colourEnabled, paint, type CliIo, type Paint } from './io.js';

/** What a subcommand's action receives besides its own options. */
export interface CommandContext {
  readonly io: CliIo;
  /** Styling for stdout (identity when colour is off). */
  readonly paint: Paint;
  /**
   * Sets the exit code the command ends with (the highest severity wins if called
   * twice). A command that does not call it ends with 0.
   */
  exit(code: number): void;
}

/** Builds the context of one run. */
export function commandContext(io: CliIo, setExit: (code: number) => void): CommandContext {
  return { io, paint: paint(colourEnabled(io.stdout, io.env)), exit: setExit };
}

/** Adds the `--json` option every subcommand has. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON instead of text');
}

/** A subcommand module: adds its command(s) to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;
