import { parseArgs } from 'node:util';

/** Parsed command-line options of a script, with typed readers. */
export interface CliArgs {
  /** The raw value of `--name value`, if given. */
  get(name: string): string | undefined;
  /** True when the boolean `--name` was given. */
  flag(name: string): boolean;
  /** `--name` as an integer >= `min`, or `fallback` when absent; a bad value ends the script with usage. */
  readonly int: (name: string, fallback: number, min: number) => number;
}

/**
 * Parses `argv` strictly (unknown options, positionals and missing values are refused)
 * for scripts' `--name value` and `--flag` options. Every refusal goes through `usage`,
 * which prints the script's usage and exits.
 */
export function readArgs(argv: readonly string[], spec: { readonly values: readonly string[]; readonly flags: readonly string[] }, usage: (message: string) => never): CliArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.values) options[name] = { type: 'string' };
  for (const name of spec.flags) options[name] = { type: 'boolean' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const get = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    get,
    flag: (name) => values[name] === true,
    int: (name, fallback, min) => {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`);
      return n;
    },
  };
}
