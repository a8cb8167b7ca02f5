import { describe, expect, it } from 'vitest';
import { colourEnabled, formatTable, paint, stripAnsi } from '../../src/cli/io.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';

describe('intentkey command: the program', () => {
  it('the built bin prints help with the exit codes and ends 0', async () => {
    const run = await runBuiltCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: intentkey');
    expect(run.stdout).toContain('Exit codes:');
  });

  it('an unknown subcommand or option is bad usage (exit 2) with a message on stderr', async () => {
    const unknown = await runCliInProcess(['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error: (unknown command|too many arguments)/);
    const badOption = await runCliInProcess(['--no-such-option']);
    expect(badOption.code).toBe(2);
  });

  it('prints the version', async () => {
    const run = await runCliInProcess(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('colour', () => {
  const tty = { write: () => true, isTTY: true };
  const pipe = { write: () => true, isTTY: false };
  it.each([
    ['terminal', tty, {}, true],
    ['pipe', pipe, {}, false],
    ['terminal with NO_COLOR=1', tty, { NO_COLOR: '1' }, false],
    ['terminal with NO_COLOR empty (ignored, per no-color.org)', tty, { NO_COLOR: '' }, true],
    ['terminal with TERM=dumb', tty, { TERM: 'dumb' }, false],
    ['pipe with FORCE_COLOR=1', pipe, { FORCE_COLOR: '1' }, true],
    ['pipe with FORCE_COLOR=0', pipe, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR loses to NO_COLOR', pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
  ] as const)('%s', (_name, stream, env, expected) => {
    expect(colourEnabled(stream, env)).toBe(expected);
  });

  it('paint is the identity when off and ANSI when on', () => {
    expect(paint(false).red('x')).toBe('x');
    expect(paint(true).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(stripAnsi(paint(true).bold('x'))).toBe('x');
  });

  it('tables pad by visible width, ignoring styling', () => {
    const text = formatTable(['a', 'n'], [[paint(true).red('long'), '1'], ['b', '22']], ['left', 'right']);
    const lines = stripAnsi(text).split('\n');
    expect(lines[0]).toBe('a      n');
    expect(lines[2]).toBe('long   1');
    expect(lines[3]).toBe('b     22');
  });
});

describe('the built bin in a pipe', () => {
  it('ends quietly when the reader closes the pipe early (EPIPE), with exit 0', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI_BIN } = await import('../helpers/cli.js');
    // Read by nobody: the pipe's reading end is closed before the command writes.
    const child = spawn(process.execPath, [CLI_BIN, 'key', '--count', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });
});
