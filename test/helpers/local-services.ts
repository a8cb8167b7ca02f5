// vitest globalSetup: the PostgreSQL and Redis store suites run against DATABASE_URL and
// REDIS_URL and skip without them. When a variable is unset, this looks once, before any
// test file loads, for the server at its default local address and, when it answers,
// sets the variable for the whole run (test workers and the processes they start
// inherit it). So `npm test` on a machine with both services runs every store suite.
//
// An empty variable (`DATABASE_URL= npm test`) is left alone: the suites skip without a
// probe. Each probe gives up after PROBE_TIMEOUT_MS.
import { connect, type Socket } from 'node:net';
import pg from 'pg';

/** Where the PostgreSQL suites look when DATABASE_URL is unset. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** Where the Redis suites look when REDIS_URL is unset. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** How long each probe waits for a connection and an answer, ms. */
const PROBE_TIMEOUT_MS = 1_000;

/** Resolves to `undefined` when PostgreSQL at `url` runs `select 1`, else to why not. */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A failed connection can also emit 'error'; the rejected connect() says why.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return reason(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves to `undefined` when the Redis server at `url` answers PING, else to why not. */
export function probeRedis(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let answer = '';
    const socket: Socket = connect({ host: hostname, port: Number(port || 6379) }, () => socket.write('PING\r\n'));
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') ? undefined : `it answered PING with ${JSON.stringify(answer.trim().slice(0, 80))}`);
    });
    socket.on('error', (error) => done(reason(error)));
    socket.on('close', () => done('the connection closed before an answer'));
  });
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export default async function setup(): Promise<void> {
  const [postgres, redis] = await Promise.all([
    process.env['DATABASE_URL'] === undefined ? probePostgres(DEFAULT_DATABASE_URL) : Promise.resolve(null),
    process.env['REDIS_URL'] === undefined ? probeRedis(DEFAULT_REDIS_URL) : Promise.resolve(null),
  ]);
  adopt('DATABASE_URL', DEFAULT_DATABASE_URL, 'PostgreSQL', postgres);
  adopt('REDIS_URL', DEFAULT_REDIS_URL, 'Redis', redis);
}

/** Sets `name` to `url` when its probe succeeded (`undefined`); says what happened. `null`: not probed. */
function adopt(name: string, url: string, server: string, failure: string | undefined | null): void {
  if (failure === null) return;
  if (failure === undefined) {
    process.env[name] = url;
    process.stderr.write(`[local services] ${name} is unset: using the ${server} server at ${url}\n`);
    return;
  }
  process.stderr.write(`[local services] ${name} is unset and no ${server} server answered at ${url} (${failure}): the ${server} suites will be skipped\n`);
}
