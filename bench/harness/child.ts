/**
 * Runs one benchmark cell in a fresh child process, so every cell starts with a cold
 * heap and its peak RSS (`process.resourceUsage().maxRSS`) is its own. The child is a
 * TypeScript file run through tsx's loader; it receives its input over IPC, answers
 * once, and exits. The parent kills a child that overruns its time limit (by the
 * ChildProcess it started, never by name).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** tsx's loader, resolved from the project so children work from any working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

/** Path of a harness file next to this one. */
export function harnessFile(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/** Forks `script` (a .ts file) with the tsx loader and an IPC channel. */
export function forkTs(script: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return fork(script, [], {
    execArgv: ['--import', TSX_LOADER],
    env,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

interface Reply<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: string;
}

/**
 * Runs `script` with `input` and resolves with its answer.
 * @throws Error when the child fails, exits without answering, or runs past `timeoutMs`.
 */
export function runChild<T>(script: string, input: unknown, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = forkTs(script);
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`${script} ran past its ${timeoutMs} ms limit and was killed`)));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (message: Reply<T>) => {
      finish(() => (message.ok ? resolve(message.value as T) : reject(new Error(message.error ?? 'child failed'))));
    });
    child.on('error', (error) => finish(() => reject(error)));
    child.on('exit', (code, signal) => {
      finish(() => reject(new Error(`${script} exited (${signal ?? `code ${String(code)}`}) without an answer`)));
    });
    child.send({ input });
  });
}

/**
 * The child side of {@link runChild}: waits for the input, runs `handler`, sends the
 * answer (or the error) and exits, whatever handles (sockets, worker threads) are
 * still open: the cell is over.
 */
export function serveChild<O>(handler: (input: never) => Promise<O>): void {
  process.once('message', (message: { input: never }) => {
    handler(message.input).then(
      (value) => {
        process.send?.({ ok: true, value } satisfies Reply<O>, () => process.exit(0));
      },
      (error: unknown) => {
        const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
        process.send?.({ ok: false, error: text } satisfies Reply<O>, () => process.exit(1));
      },
    );
  });
}

/** Peak resident set size of this process so far, in MB (maxRSS is reported in KiB). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Ends a child this run started: SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
