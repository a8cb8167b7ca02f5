// Runs the `intentkey` command: built, as a child process (what a user runs), or
// in-process through runCli (for fast table tests of one subcommand's output).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';

export const CLI_BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built bin with `args` and resolves when it exits. `env` is added to a
 * minimal environment (PATH only, NO_COLOR unset), so a test says what the command sees.
 * Bounded: killed after `timeoutMs`.
 */
export function runBuiltCli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Runs the command in this process with captured output. `tty` makes stdout claim to be a terminal. */
export async function runCliInProcess(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; now?: number; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty ?? false },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? Date.now(),
  });
  return { code, stdout, stderr };
}
