import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerReply, WorkerRequest } from './redis-worker.js';

/** A running `redis-worker.ts` child and its replies. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  request(message: WorkerRequest): void;
  /** The next reply of `type` (replies are queued, none is lost). */
  next<T extends WorkerReply['type']>(type: T, timeoutMs?: number): Promise<Extract<WorkerReply, { type: T }>>;
  kill(): void;
}

const WORKER = fileURLToPath(new URL('./redis-worker.ts', import.meta.url));

/** Starts a worker and waits for its `ready`. */
export async function startWorker(): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: WorkerReply[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m: WorkerReply) => {
    queue.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const worker: WorkerProcess = {
    child,
    request: (message) => child.send(message),
    next: async (type, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const error = queue.find((m) => m.type === 'error');
        if (error?.type === 'error') throw new Error(`worker ${child.pid ?? '?'}: ${error.message}`);
        const i = queue.findIndex((m) => m.type === type);
        if (i >= 0) return queue.splice(i, 1)[0] as Extract<WorkerReply, { type: typeof type }>;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited (${child.exitCode ?? child.signalCode ?? '?'}) before ${type}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`worker: no ${type} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  await worker.next('ready');
  return worker;
}

/** True when /proc says the process is stopped (SIGSTOP). Linux only. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

/** Waits until `pid` is stopped, polling /proc every 5 ms, for at most `timeoutMs`. */
export async function waitUntilStopped(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isStopped(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
