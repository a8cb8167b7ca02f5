/**
 * The few things the Redis stores (ledger, rate limiter) need from a Redis client, as
 * structural types: no driver is imported, so none becomes a dependency. Pass your own
 * connected client.
 */

/** ioredis (`new Redis(url)`, also `Cluster`): anything with ioredis's generic `call`. */
export interface IoRedisLikeClient {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** node-redis v4 and v5 (`createClient({ url })`, connected): its generic `sendCommand`. */
export interface NodeRedisLikeClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * Any other driver: a function that sends one command (name first, then its
 * arguments, all strings) and resolves with the server's reply: bulk strings as
 * strings, integers as numbers, arrays as arrays, nil as `null` or `undefined`.
 */
export type RedisCommandFunction = (args: readonly string[]) => Promise<unknown>;

/** What {@link RedisLedgerOptions.client} accepts. */
export type RedisClientLike = IoRedisLikeClient | NodeRedisLikeClient | RedisCommandFunction;

/** Turns any accepted client into one function; `undefined` when it is none of them. */
export function toCommandFunction(client: unknown): RedisCommandFunction | undefined {
  if (typeof client === 'function') {
    const fn = client as RedisCommandFunction;
    return (args) => fn([...args]);
  }
  if (typeof client !== 'object' || client === null) return undefined;
  // ioredis also has a `sendCommand`, but it takes a Command object: `call` comes first.
  const call = (client as { call?: unknown }).call;
  if (typeof call === 'function') {
    return (args) => (call as (command: string, ...rest: string[]) => Promise<unknown>).call(client, args[0] ?? '', ...args.slice(1));
  }
  const send = (client as { sendCommand?: unknown }).sendCommand;
  if (typeof send === 'function') {
    return (args) => (send as (a: string[]) => Promise<unknown>).call(client, [...args]);
  }
  return undefined;
}

/** A reply element as text: strings as they are, Buffers as UTF-8, numbers in decimal. */
export function replyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** An error's message for another error's text, cut to 200 characters. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** Bounds every command by `timeoutMs`; the command itself may still run later. */
export function withTimeout(command: RedisCommandFunction, timeoutMs: number): RedisCommandFunction {
  return (args) =>
    new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no answer to ${args[0] ?? 'a command'} within ${timeoutMs} ms`));
      }, timeoutMs);
      command(args).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
}

/** A Lua script and its SHA-1, as EVALSHA names it. */
export interface LuaScript {
  readonly body: string;
  readonly sha: string;
}

/** EVALSHA, loading the script with EVAL when the server does not have it (restart, SCRIPT FLUSH). */
export async function runScript(command: RedisCommandFunction, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await command(['EVALSHA', script.sha, ...tail]);
  } catch (error) {
    if (!reasonOf(error).startsWith('NOSCRIPT')) throw error;
    return command(['EVAL', script.body, ...tail]);
  }
}
