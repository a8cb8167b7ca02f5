import { replyText, type RedisCommandFunction } from './client.js';

/** What the Redis ledger found out about the server's persistence at open. */
export interface RedisPersistenceReport {
  /**
   * Where the settings came from: `config` (CONFIG GET), `info` (INFO, when CONFIG is
   * disabled or not permitted: it shows whether AOF is on, not how often it syncs) or
   * `none` (neither answered).
   */
  readonly source: 'config' | 'info' | 'none';
  /** `appendonly`, when known. */
  readonly appendonly?: boolean;
  /** `appendfsync` (`always`, `everysec` or `no`), when known. */
  readonly appendfsync?: string;
  /** `save` (RDB snapshot rules; empty when off), when known. */
  readonly save?: string;
  /** `maxmemory` in bytes (0: no limit), when known. */
  readonly maxmemoryBytes?: number;
  /** `maxmemory-policy`, when known. */
  readonly maxmemoryPolicy?: string;
  /**
   * Why acknowledged intents could be lost, one sentence each. Empty when the server
   * fsyncs every write before it answers and never evicts intents.
   */
  readonly problems: readonly string[];
}

/** Reads a CONFIG GET reply: a flat array (RESP2), a Map or a plain object (RESP3 clients). */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (replyText(reply[i]) === name) return replyText(reply[i + 1]);
    return undefined;
  }
  if (reply instanceof Map) {
    const v: unknown = reply.get(name);
    return v === undefined || v === null ? undefined : replyText(v);
  }
  if (typeof reply === 'object' && reply !== null) {
    const v = (reply as Record<string, unknown>)[name];
    return v === undefined || v === null ? undefined : replyText(v);
  }
  return undefined;
}

function infoValue(text: string, name: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(`${name}:`)) return line.slice(name.length + 1).trim();
  }
  return undefined;
}

const asText = (reply: unknown): string => (typeof reply === 'string' || Buffer.isBuffer(reply) ? replyText(reply) : '');

/**
 * The problems of a set of persistence settings, in words a person can act on.
 * Exported for tests; the ledger calls {@link checkRedisPersistence}.
 */
export function persistenceProblems(settings: Omit<RedisPersistenceReport, 'problems' | 'source'>, source: RedisPersistenceReport['source']): string[] {
  const problems: string[] = [];
  if (source === 'none') {
    problems.push('the server answered neither CONFIG GET nor INFO, so its persistence settings are unknown');
    return problems;
  }
  if (settings.appendonly === false) {
    problems.push(
      settings.save === undefined
        ? 'AOF is off (appendonly no): a restart loses every intent written since the last RDB snapshot, if snapshots are taken at all'
        : settings.save.trim() === ''
          ? 'persistence is off (appendonly no, no RDB snapshots): a restart loses every intent'
          : `only RDB snapshots are on (appendonly no, save "${settings.save}"): a restart loses every intent written since the last snapshot`,
    );
  } else if (settings.appendonly === true) {
    if (settings.appendfsync === 'everysec') {
      problems.push('appendfsync is everysec: a crash of the server or its machine can lose about the last second of acknowledged intents');
    } else if (settings.appendfsync === 'no') {
      problems.push('appendfsync is no: the operating system decides when the log reaches the disk, so a machine crash can lose many seconds of acknowledged intents');
    } else if (settings.appendfsync === undefined) {
      problems.push('AOF is on but appendfsync could not be read (CONFIG GET is disabled or not permitted), so it cannot be confirmed that every write is on disk before it is acknowledged');
    } else if (settings.appendfsync !== 'always') {
      problems.push(`appendfsync has an unrecognised value "${settings.appendfsync}"`);
    }
  }
  if ((settings.maxmemoryBytes ?? 0) > 0 && settings.maxmemoryPolicy?.startsWith('allkeys-') === true) {
    problems.push(`maxmemory-policy is ${settings.maxmemoryPolicy} with a memory limit: the server may evict unfinished intents`);
  }
  return problems;
}

/**
 * Reads the server's persistence settings with CONFIG GET, falling back to INFO where
 * CONFIG is renamed away or denied by an ACL (as on several managed services).
 */
export async function checkRedisPersistence(command: RedisCommandFunction): Promise<RedisPersistenceReport> {
  let source: RedisPersistenceReport['source'] = 'none';
  let settings: Omit<RedisPersistenceReport, 'problems' | 'source'> = {};
  try {
    const reply = await command(['CONFIG', 'GET', 'appendonly']);
    const get = async (name: string): Promise<string | undefined> => configValue(await command(['CONFIG', 'GET', name]), name);
    const appendonly = configValue(reply, 'appendonly');
    if (appendonly !== undefined) {
      const [appendfsync, save, maxmemory, policy] = [await get('appendfsync'), await get('save'), await get('maxmemory'), await get('maxmemory-policy')];
      settings = {
        appendonly: appendonly === 'yes',
        ...(appendfsync === undefined ? {} : { appendfsync }),
        ...(save === undefined ? {} : { save }),
        ...(maxmemory === undefined ? {} : { maxmemoryBytes: Number(maxmemory) }),
        ...(policy === undefined ? {} : { maxmemoryPolicy: policy }),
      };
      source = 'config';
    }
  } catch {
    // CONFIG renamed away or not permitted: INFO below.
  }
  if (source === 'none') {
    try {
      const persistence = asText(await command(['INFO', 'persistence']));
      const aof = infoValue(persistence, 'aof_enabled');
      if (aof !== undefined) {
        const memory = asText(await command(['INFO', 'memory']).catch(() => ''));
        const maxmemory = infoValue(memory, 'maxmemory');
        const policy = infoValue(memory, 'maxmemory_policy');
        settings = {
          appendonly: aof === '1',
          ...(maxmemory === undefined ? {} : { maxmemoryBytes: Number(maxmemory) }),
          ...(policy === undefined ? {} : { maxmemoryPolicy: policy }),
        };
        source = 'info';
      }
    } catch {
      // Neither answered: reported as unknown below.
    }
  }
  return { source, ...settings, problems: persistenceProblems(settings, source) };
}
