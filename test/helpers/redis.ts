import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisLedger, type RedisLedgerOptions } from '../../src/stores/redis/index.js';

/**
 * Helpers of the Redis store tests. The suites run against `REDIS_URL` (CI sets it; when
 * it is unset, the vitest globalSetup test/helpers/local-services.ts sets it to
 * redis://127.0.0.1:6379 if a server answers there) and are skipped with one console line
 * without a server. They write only under random key
 * prefixes and delete only those keys; tests that must restart or reconfigure a server
 * start a private `redis-server` on a free port in a temporary directory.
 */

/** The server under test, or `undefined` when the suites are to be skipped. */
export const REDIS_URL = process.env['REDIS_URL'] === undefined || process.env['REDIS_URL'] === '' ? undefined : process.env['REDIS_URL'];

/** True when a `redis-server` binary is on the PATH (for private servers). */
export const HAS_REDIS_SERVER = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

let warned = false;
/** Prints the one loud line that says why a Redis suite is skipped. */
export function warnIfSkipped(what: string): void {
  if (REDIS_URL !== undefined || warned) return;
  warned = true;
  console.warn(`[redis] REDIS_URL is not set and no Redis answered at redis://127.0.0.1:6379: skipping ${what} (start one, or set REDIS_URL).`);
}

/** A fresh key prefix no other run uses. */
export function randomPrefix(tag = 't'): string {
  return `ik-test:${tag}:${randomBytes(6).toString('hex')}:`;
}

const clients: Redis[] = [];

/** The ioredis options the tests change. */
export interface TestClientOptions {
  maxRetriesPerRequest?: number | null;
  enableOfflineQueue?: boolean;
  autoResendUnfulfilledCommands?: boolean;
  retryStrategy?: (times: number) => number | null;
  connectTimeout?: number;
  replyMapping?: 'legacy' | 'resp3';
}

/** A new ioredis connection to `url`, closed by {@link closeClients}. */
export function connect(url: string = REDIS_URL ?? '', options: TestClientOptions = {}): Redis {
  const client = new Redis(url, options);
  // Errors are asserted through the ledger; keep ioredis from logging unhandled ones.
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

/** Disconnects every client made by {@link connect}. */
export async function closeClients(): Promise<void> {
  // disconnect(), not quit(): a client whose server a test killed would wait for it.
  for (const c of clients.splice(0)) c.disconnect();
  return Promise.resolve();
}

/** Deletes every key under `prefix` (and nothing else). */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Opens a ledger on the shared test server under a random prefix (volatile server accepted). */
export async function openTestLedger(client: Redis, extra: Partial<RedisLedgerOptions> = {}): Promise<RedisLedger> {
  return RedisLedger.open({ client, prefix: randomPrefix(), allowVolatileServer: true, ...extra });
}

/** A private redis-server process. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess;
  /** SIGKILLs the server (no shutdown save) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again with the same arguments and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `redis-server` on a free port with `args` (e.g. `['--appendonly', 'yes']`),
 * in a temporary directory, bound to 127.0.0.1. Resolves once it accepts connections.
 */
export async function startPrivateRedis(args: readonly string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'intentkey-redis-'));
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...args];
  let child = await launch(argv);
  const handle: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get process() {
      return child;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await handle.kill();
      child = await launch(argv);
    },
    async stop() {
      await handle.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

function launch(argv: readonly string[]): Promise<ChildProcess> {
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code ?? 'signal'}) before it was ready:\n${out.slice(-2000)}`)));
    child.once('error', reject);
  });
}

/**
 * A TCP proxy in front of a Redis server that can lose one reply: once armed with a
 * marker, the first client chunk containing it is forwarded to the server, and when the
 * server answers, the client's connection is destroyed without the answer. The command
 * ran; the client never hears so (a connection lost mid-command).
 */
export interface ReplyCutProxy {
  readonly port: number;
  /** Arms the cut for the next command whose bytes contain `marker`; resolves when it happened. */
  arm(marker: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a {@link ReplyCutProxy} to 127.0.0.1:`upstreamPort`. */
export async function startReplyCutProxy(upstreamPort: number): Promise<ReplyCutProxy> {
  let armed: { marker: string; done: () => void } | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connectTcp(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    let cutNext: (() => void) | undefined;
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(armed.marker)) {
        cutNext = armed.done;
        armed = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutNext) {
        const done = cutNext;
        cutNext = undefined;
        client.destroy();
        upstream.destroy();
        done();
        return;
      }
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arm: (marker) => new Promise<void>((resolve) => (armed = { marker, done: resolve })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
