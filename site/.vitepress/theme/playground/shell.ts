// The `intentkey` command line that gives what a playground shows: each playground
// builds the argv of the equivalent command, and the page prints it shell-quoted. The
// unit tests run that argv through the command (in-process) and compare its --json
// output with the page's numbers.

/** `arg` as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=,@%+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `intentkey ...args`, quoted, with environment assignments first (`NAME=value intentkey ...`). */
export function commandLine(args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [...assignments, 'intentkey', ...args.map(shellQuote)].join(' ');
}
