import { randomBytes } from 'node:crypto';
import {
  ConfigurationError,
  LedgerCorruptError,
  LedgerLeaseLostError,
  LedgerTransitionError,
  LedgerUnavailableError,
} from '../../errors/index.js';
import { describeValue } from '../../internal/validation.js';
import type { InputCodec } from '../../ledger/ledger-store.js';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from '../../ledger/intent.js';
import { INTENT_STATUSES } from '../../ledger/intent.js';
import type { ClaimRequest, ClaimResult, ClaimResumableRequest, CreateInFlight, LedgerCapabilities, LedgerStore, ListRecordsQuery, TransitionRequest } from '../../ledger/ledger-store.js';
import { claimLimitOf, oldestFirst, selectRecords } from '../../ledger/list.js';
import { RESUMABLE_STATUSES } from '../../ledger/transitions.js';
import { reasonOf, replyText, runScript, toCommandFunction, withTimeout, type RedisClientLike, type RedisCommandFunction } from './client.js';
import { checkRedisPersistence, type RedisPersistenceReport } from './persistence.js';
import {
  CLAIM_BATCH_SCRIPT,
  CLAIM_SCRIPT,
  CREATE_SCRIPT,
  LIST_SCRIPT,
  OPEN_SCRIPT,
  RANGE_SCRIPT,
  READ_SCRIPT,
  RELEASE_SCRIPT,
  SCAN_SCRIPT,
  TRANSITION_SCRIPT,
  type LedgerScript,
} from './scripts.js';

/** Version of the key layout; a ledger written by another layout is refused at open. */
const LAYOUT = '1';
/** Intents read per script call by `listResumable`, so one call never blocks the server long. */
const READ_BATCH = 200;
/** Most candidates one `claimResumable` script call examines, so one call never blocks the server long. */
const CLAIM_EXAMINE = 1_000;
/** COUNT of each SCAN step of `list`: keys the server examines per script call. */
const SCAN_COUNT = 1_000;
const PREFIX = /^[A-Za-z0-9:_.\-{}/]{1,100}$/;

/** Options of {@link RedisLedger.open}. */
export interface RedisLedgerOptions {
  /**
   * Your connected Redis client: ioredis (`new Redis(url)`), node-redis
   * (`createClient()` after `connect()`), or a function that sends one command. The
   * ledger never closes it. Configure its reconnect and offline-queue behaviour as you
   * like: every command is also bounded by `commandTimeoutMs`.
   */
  readonly client: RedisClientLike;
  /**
   * Prefix of every key the ledger writes: `meta`, `resumable` and `intent:<id>` follow
   * it. 1 to 100 characters from `A-Z a-z 0-9 : _ . - { } /`. On Redis Cluster use a
   * hash tag (e.g. `{intentkey}:`) so all of the ledger's keys share one slot; the
   * scripts touch several keys at once. @default 'intentkey:'
   */
  readonly prefix?: string;
  /**
   * How long a finished intent (succeeded or failed) is kept after it finished, in ms,
   * so calling the same business action again returns the stored result. Enforced by
   * the server with PEXPIRE. Unfinished intents never expire. @default 604800000 (7 days)
   */
  readonly retentionMs?: number;
  /**
   * Longest wait for one Redis command, in ms. A command that has not answered by then
   * rejects with `LedgerUnavailableError` (nothing is sent on it); it may still run
   * later, which the epoch checks make harmless. @default 5000
   */
  readonly commandTimeoutMs?: number;
  /**
   * **Danger.** Accept a server that can lose acknowledged intents on a restart or
   * crash: no AOF, `appendfsync everysec` or `no`, an `allkeys-*` eviction policy, or
   * settings that cannot be read. A lost in-flight intent can be sent a second time
   * unless the venue deduplicates its key. With it, `capabilities.durable` is `false`
   * and the client warns. Meant for tests and for data you can afford to lose.
   * @default false
   */
  readonly allowVolatileServer?: boolean;
  /**
   * After every write, wait with WAIT until this many replicas have the change, so a
   * failover to one of them cannot lose it. The write rejects with
   * `LedgerUnavailableError` (fail closed) when fewer acknowledge within `timeoutMs`.
   * WAIT counts the writes of the connection it runs on: use a client with one
   * connection to the primary. Replication is still asynchronous: this narrows the
   * loss window at failover, it does not make Redis strongly consistent.
   * @default no waiting
   */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
  /** Encodes inputs before they are stored (e.g. encryption). @default identity */
  readonly codec?: InputCodec;
}

type Reply = readonly unknown[];

/**
 * A {@link LedgerStore} in Redis, shared by every process that opens it with the same
 * prefix. Each operation is one Lua script, so creation is atomic (one creator per id),
 * a claim increments the intent's epoch (the fencing token) under the lease rules, and
 * every transition is a compare-and-set on `(status, epoch)` checked by the server: a
 * worker paused past its lease finds its late writes refused.
 *
 * Durability is the server's: at open the ledger reads the persistence settings and
 * refuses a server that could lose acknowledged intents (see
 * {@link RedisLedgerOptions.allowVolatileServer}). A marker key written at open is
 * checked by every script, so a server that loses its data while workers run makes
 * them stop with `LedgerCorruptError` instead of starting from an empty ledger. See
 * docs/durability.md#d21-redis-the-server-must-keep-what-it-acknowledged.
 *
 * Lease times come from the callers' clocks (`now` of each request): keep the workers'
 * clocks synchronised and leases long compared with any skew.
 */
export class RedisLedger implements LedgerStore {
  readonly capabilities: LedgerCapabilities;
  /** The key prefix in use. */
  readonly prefix: string;
  /** What the open-time check found. */
  readonly persistence: RedisPersistenceReport;
  readonly #command: RedisCommandFunction;
  readonly #generation: string;
  readonly #retentionMs: number;
  readonly #wait: { readonly replicas: number; readonly timeoutMs: number } | undefined;
  readonly #codec: InputCodec | undefined;
  readonly #metaKey: string;
  readonly #resumableKey: string;
  #closed = false;

  private constructor(init: {
    command: RedisCommandFunction;
    prefix: string;
    generation: string;
    persistence: RedisPersistenceReport;
    retentionMs: number;
    wait: { readonly replicas: number; readonly timeoutMs: number } | undefined;
    codec: InputCodec | undefined;
  }) {
    this.#command = init.command;
    this.prefix = init.prefix;
    this.#generation = init.generation;
    this.persistence = init.persistence;
    this.#retentionMs = init.retentionMs;
    this.#wait = init.wait;
    this.#codec = init.codec;
    this.#metaKey = `${init.prefix}meta`;
    this.#resumableKey = `${init.prefix}resumable`;
    this.capabilities = Object.freeze({ durable: init.persistence.problems.length === 0, shared: true });
  }

  /**
   * Checks the server (it answers, its persistence keeps acknowledged writes, the key
   * layout under `prefix` is this version's) and returns the ledger.
   *
   * @throws ConfigurationError for a bad option, or for a server that could lose
   *   acknowledged intents when `allowVolatileServer` is not set (the message says what
   *   to change).
   * @throws LedgerUnavailableError when the server does not answer (down, wrong
   *   address, authentication); nothing was written.
   * @throws LedgerCorruptError when the prefix holds a ledger of another layout.
   */
  static async open(options: RedisLedgerOptions): Promise<RedisLedger> {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError({ path: 'RedisLedger.open(options)', expected: 'an options object', received: describeValue(options) });
    }
    const command = toCommandFunction(options.client);
    if (!command) {
      throw new ConfigurationError({
        path: 'RedisLedger.open(options).client',
        expected: 'an ioredis client, a node-redis client, or a function (args: string[]) => Promise<reply>',
        // A connection URL may carry a password: its kind only.
        received: describeValue(options.client, { secret: true }),
      });
    }
    const prefix = options.prefix ?? 'intentkey:';
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
      throw new ConfigurationError({
        path: 'RedisLedger.open(options).prefix',
        expected: `1 to 100 characters matching ${PREFIX.source}`,
        received: describeValue(prefix),
      });
    }
    const retentionMs = positiveInteger(options.retentionMs, 'retentionMs', 7 * 24 * 60 * 60 * 1000);
    const timeoutMs = positiveInteger(options.commandTimeoutMs, 'commandTimeoutMs', 5000);
    const wait = options.waitForReplicas;
    if (wait !== undefined) {
      if (typeof wait !== 'object' || wait === null) {
        throw new ConfigurationError({ path: 'RedisLedger.open(options).waitForReplicas', expected: '{ replicas, timeoutMs }', received: describeValue(wait) });
      }
      positiveInteger(wait.replicas, 'waitForReplicas.replicas', 1);
      positiveInteger(wait.timeoutMs, 'waitForReplicas.timeoutMs', 1);
    }
    if (options.allowVolatileServer !== undefined && typeof options.allowVolatileServer !== 'boolean') {
      throw new ConfigurationError({ path: 'RedisLedger.open(options).allowVolatileServer', expected: 'a boolean', received: describeValue(options.allowVolatileServer) });
    }

    const timed = withTimeout(command, timeoutMs);
    try {
      const pong = replyText(await timed(['PING']));
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(pong.slice(0, 50))}`);
    } catch (error) {
      throw new LedgerUnavailableError(
        `The Redis ledger cannot reach its server (${reasonOf(error)}); nothing was written or sent. Check that Redis is running and the client's address and credentials.`,
        { cause: error },
      );
    }
    const persistence = await checkRedisPersistence(timed);
    if (persistence.problems.length > 0 && options.allowVolatileServer !== true) {
      throw new ConfigurationError({
        path: 'RedisLedger.open(options).allowVolatileServer',
        expected: 'a Redis server that writes every change to disk before it answers (appendonly yes, appendfsync always)',
        received: persistence.problems.join('; '),
        message:
          `Refusing this Redis server as an intent ledger: ${persistence.problems.join('; ')}. ` +
          'An intent lost after its request was sent can be sent again, and the venue may execute it twice. ' +
          'Fix: set "appendonly yes" and "appendfsync always" in redis.conf (or CONFIG SET appendonly yes, CONFIG SET appendfsync always, CONFIG REWRITE), ' +
          'and an eviction policy that keeps keys without a TTL (noeviction or volatile-*). ' +
          '"appendfsync everysec" is faster but can lose about the last second of acknowledged writes on a crash. ' +
          'To accept the risk (tests, or data you can afford to lose), pass allowVolatileServer: true; capabilities.durable is then false.',
      });
    }

    let generation: string;
    try {
      const reply = await runScript(timed, OPEN_SCRIPT, [`${prefix}meta`], [randomBytes(12).toString('hex'), LAYOUT]);
      const [gen, layout] = Array.isArray(reply) ? reply.map((v: unknown) => (v === null || v === undefined ? undefined : replyText(v))) : [];
      if (gen === undefined || layout === undefined) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
      if (layout !== LAYOUT) {
        throw new LedgerCorruptError(
          `The keys under prefix "${prefix}" hold an intent ledger of layout ${layout}; this version reads layout ${LAYOUT}. Nothing was changed. Use another prefix or the matching version of intentkey.`,
        );
      }
      generation = gen;
    } catch (error) {
      if (error instanceof LedgerCorruptError) throw error;
      throw new LedgerUnavailableError(`The Redis ledger could not be opened (${reasonOf(error)}); nothing was written or sent.`, { cause: error });
    }
    return new RedisLedger({ command: timed, prefix, generation, persistence, retentionMs, wait, codec: options.codec });
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ created: boolean; record: IntentRecord }> {
    this.#assertOpen();
    const doc = JSON.stringify({ ...draft, input: this.#codec ? this.#codec.encode(draft.input) : draft.input });
    // Created already claimed with attempt 1 in flight (one script run), or pending.
    const started = inFlight === undefined ? [] : [inFlight.owner, String(now + inFlight.leaseMs), JSON.stringify(inFlight.outcome)];
    const reply = await this.#run(CREATE_SCRIPT, 'create', draft.id, [this.#metaKey, this.#key(draft.id), this.#resumableKey], [
      doc,
      String(now),
      String(draft.createdAt),
      draft.id,
      ...started,
    ]);
    if (reply[0] === 'created') {
      await this.#replicate('create', draft.id);
      const fields =
        inFlight === undefined
          ? ['doc', doc, 'status', 'pending', 'attempt', '0', 'epoch', '0', 'updatedAt', String(now)]
          : ['doc', doc, 'status', 'inFlight', 'attempt', '1', 'epoch', '1', 'updatedAt', String(now), 'leaseOwner', started[0] as string, 'leaseUntil', started[1] as string, 'outcome', started[2] as string];
      return { created: true, record: this.#decode(draft.id, fields) };
    }
    return { created: false, record: this.#decode(draft.id, reply[1]) };
  }

  async get(id: string): Promise<IntentRecord | undefined> {
    this.#assertOpen();
    const reply = await this.#run(READ_SCRIPT, 'read', id, [this.#metaKey, this.#key(id)], []);
    const fields = reply[1];
    return Array.isArray(fields) && fields.length > 0 ? this.#decode(id, fields) : undefined;
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#assertOpen();
    const reply = await this.#run(CLAIM_SCRIPT, 'claim', id, [this.#metaKey, this.#key(id)], [
      request.owner,
      String(request.now),
      String(request.now + request.leaseMs),
    ]);
    if (reply[0] === 'missing') throw new LedgerUnavailableError(`Intent ${id} is not in the ledger.`);
    const record = this.#decode(id, reply[1]);
    if (reply[0] !== 'claimed') return { claimed: false, record };
    await this.#replicate('claim', id);
    return { claimed: true, record };
  }

  /**
   * Claims a batch as {@link LedgerStore.claimResumable} says, with a Lua script that walks
   * the `resumable` set oldest first from just after `request.after` and claims every
   * eligible intent as {@link claim} does. Each script call is atomic: the candidates it
   * examines (at most 1,000) are checked and claimed in one step no other client can
   * interleave with. When more candidates must be examined to fill `limit` (many held by
   * other owners, or parked), further calls continue from where the last stopped; each
   * intent's claim is still atomic, the batch as a whole then is not one step. Ties in
   * `createdAt` are walked in byte order of the ids.
   */
  async claimResumable(request: ClaimResumableRequest): Promise<IntentRecord[]> {
    this.#assertOpen();
    const limit = claimLimitOf(request);
    const before = request.createdBefore;
    const max = before === undefined || Number.isNaN(before) || before === Infinity ? '+inf' : before === -Infinity ? '-inf' : String(before);
    let cursor = request.after === undefined ? ['', ''] : [String(request.after.createdAt), request.after.id];
    const claimed: IntentRecord[] = [];
    for (;;) {
      const reply = await this.#run(CLAIM_BATCH_SCRIPT, 'claim of resumable intents', undefined, [this.#metaKey, this.#resumableKey], [
        request.owner,
        String(request.now),
        String(request.now + request.leaseMs),
        String(limit - claimed.length),
        max,
        cursor[0] as string,
        cursor[1] as string,
        String(CLAIM_EXAMINE),
        this.#key(''),
        ...(request.exclude ?? []),
      ]);
      const flat = Array.isArray(reply[1]) ? (reply[1] as unknown[]) : [];
      for (let i = 0; i + 1 < flat.length; i += 2) claimed.push(this.#decode(replyText(flat[i]), flat[i + 1]));
      if (replyText(reply[2]) === '1' || claimed.length >= limit) break;
      cursor = [replyText(reply[3]), replyText(reply[4])];
    }
    const first = claimed[0];
    if (first !== undefined) await this.#replicate('claim', claimed.length === 1 ? first.id : `${first.id} and ${claimed.length - 1} more`);
    return claimed.sort(oldestFirst);
  }

  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    this.#assertOpen();
    const reply = await this.#run(TRANSITION_SCRIPT, 'transition', id, [this.#metaKey, this.#key(id), this.#resumableKey], [
      request.expectStatus,
      String(request.expectEpoch),
      request.to,
      request.attempt === undefined ? '' : String(request.attempt),
      request.outcome === undefined ? '' : JSON.stringify(request.outcome),
      String(request.now),
      String(this.#retentionMs),
      id,
      request.releaseLease === true ? '1' : '',
    ]);
    switch (reply[0]) {
      case 'missing':
        throw new LedgerUnavailableError(`Intent ${id} is not in the ledger.`);
      case 'stale':
        throw new LedgerLeaseLostError(
          id,
          `Intent ${id} changed underneath this worker (expected ${request.expectStatus}@${request.expectEpoch}, ` +
            `found ${replyText(reply[1])}@${replyText(reply[2])}).`,
        );
      case 'forbidden':
        throw new LedgerTransitionError(id, replyText(reply[1]) as IntentStatus, request.to);
      default: {
        await this.#replicate('transition', id);
        return this.#decode(id, reply[1]);
      }
    }
  }

  async release(id: string, owner: string, epoch: number): Promise<void> {
    this.#assertOpen();
    const reply = await this.#run(RELEASE_SCRIPT, 'release', id, [this.#metaKey, this.#key(id)], [owner, String(epoch)]);
    if (reply[0] === 'released') await this.#replicate('release', id);
  }

  async listResumable(): Promise<IntentRecord[]> {
    this.#assertOpen();
    const listed = await this.#run(LIST_SCRIPT, 'list', undefined, [this.#metaKey, this.#resumableKey], []);
    const ids = Array.isArray(listed[1]) ? listed[1].map((v: unknown) => replyText(v)) : [];
    const out: IntentRecord[] = [];
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const batch = ids.slice(i, i + READ_BATCH);
      const reply = await this.#run(READ_SCRIPT, 'read', undefined, [this.#metaKey, ...batch.map((id) => this.#key(id))], []);
      batch.forEach((id, j) => {
        const fields = reply[j + 1];
        // Finished or expired between the two reads: no longer resumable.
        if (!Array.isArray(fields) || fields.length === 0) return;
        const record = this.#decode(id, fields);
        if (RESUMABLE_STATUSES.includes(record.status)) out.push(record);
      });
    }
    // Redis orders equal scores by bytes; sort as the reference ledger does.
    return out.sort(oldestFirst);
  }

  /**
   * Intents matching `query`, finished ones included until they expire, oldest first
   * (by `createdAt`, then id), at most `query.limit`, each as {@link get} returns it.
   *
   * Cost: when `query.statuses` names only unfinished statuses, one read of the
   * `resumable` sorted set up to `createdBefore`, then the records in batches of 200,
   * oldest first, stopping once `limit` matches are found. Otherwise the store keeps no
   * index of finished intents, so `list` walks the whole keyspace of the server (every
   * key of the database, not only the ledger's) with SCAN in steps of 1,000 keys, one
   * script call per step plus one read per batch of matching intents: O(keys in the
   * database) round trips and server work, memory O(limit). Each step is short, so
   * other clients are not blocked; meant for operators and periodic jobs, not per request.
   *
   * Under concurrent writers each record is read atomically and filtered as read. An
   * intent that exists for the whole call is listed (SCAN returns every key present from
   * start to end; duplicates are merged); one created, or expired, during the call may
   * or may not be.
   */
  async list(query: ListRecordsQuery): Promise<IntentRecord[]> {
    this.#assertOpen();
    const limit = query.limit;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ConfigurationError({ path: 'list(query).limit', expected: 'a non-negative integer', received: describeValue(limit) });
    }
    if (limit === 0 || query.statuses?.length === 0) return [];
    if (query.statuses !== undefined && query.statuses.every((s) => RESUMABLE_STATUSES.includes(s))) return this.#listUnfinished(query);
    return this.#listByScan(query);
  }

  /** {@link list} for unfinished statuses only: through the `resumable` index. */
  async #listUnfinished(query: ListRecordsQuery): Promise<IntentRecord[]> {
    const before = query.createdBefore;
    const max = before === undefined || Number.isNaN(before) || before === Infinity ? '+inf' : before === -Infinity ? '-inf' : String(before);
    const ranged = await this.#run(RANGE_SCRIPT, 'list', undefined, [this.#metaKey, this.#resumableKey], [max]);
    const flat = Array.isArray(ranged[1]) ? ranged[1].map((v: unknown) => replyText(v)) : [];
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(flat[i] as string);
      scores.push(Number(flat[i + 1]));
    }
    let picked: IntentRecord[] = [];
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      // Finished and expired between the two reads: gone.
      const read = await this.#readBatch(ids.slice(i, i + READ_BATCH), (id, fields) => this.#decode(id, fields));
      picked = selectRecords([...picked, ...read], query);
      // Ids come in score (createdAt) order: once `limit` records are picked and the next
      // id is younger than the last of them, nothing further can be picked.
      const last = picked[picked.length - 1];
      const next = scores[i + READ_BATCH];
      if (picked.length >= query.limit && last !== undefined && next !== undefined && next > last.createdAt) break;
    }
    return picked;
  }

  /** Reads the records of `batch` in one script call; ids whose key is gone, or that `decode` refuses, are left out. */
  async #readBatch(batch: readonly string[], decode: (id: string, fields: unknown[]) => IntentRecord | undefined): Promise<IntentRecord[]> {
    const reply = await this.#run(READ_SCRIPT, 'read', undefined, [this.#metaKey, ...batch.map((id) => this.#key(id))], []);
    const read: IntentRecord[] = [];
    batch.forEach((id, j) => {
      const fields: unknown = reply[j + 1];
      if (!Array.isArray(fields) || fields.length === 0) return;
      const record = decode(id, fields);
      if (record !== undefined) read.push(record);
    });
    return read;
  }

  /** {@link list} for any statuses: a SCAN over the intent keys. */
  async #listByScan(query: ListRecordsQuery): Promise<IntentRecord[]> {
    const keyPrefix = this.#key('');
    const pattern = `${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    // Candidates by id: SCAN may return a key twice, and the later read replaces the
    // earlier. The order key (createdAt, id) never changes, so a record pruned from the
    // oldest `limit` stays out however often it comes back.
    let picked = new Map<string, IntentRecord>();
    let cursor = '0';
    do {
      const page = await this.#run(SCAN_SCRIPT, 'list', undefined, [this.#metaKey], [cursor, pattern, String(SCAN_COUNT), keyPrefix]);
      cursor = replyText(page[1]);
      const ids = Array.isArray(page[2]) ? page[2].map((v: unknown) => replyText(v)) : [];
      for (let i = 0; i < ids.length; i += READ_BATCH) {
        // Expired since the scan: gone.
        const read = await this.#readBatch(ids.slice(i, i + READ_BATCH), (id, fields) => this.#decodeListed(id, fields));
        for (const record of selectRecords(read, { ...query, limit: Number.POSITIVE_INFINITY })) picked.set(record.id, record);
      }
      if (picked.size >= 2 * query.limit + SCAN_COUNT) picked = new Map(selectRecords(picked.values(), query).map((r) => [r.id, r]));
    } while (cursor !== '0');
    return selectRecords(picked.values(), query);
  }

  /** Stops using the client (which stays open: it is yours). Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #key(id: string): string {
    return `${this.prefix}intent:${id}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerUnavailableError('The Redis ledger is closed.');
  }

  async #run(script: LedgerScript, what: string, id: string | undefined, keys: string[], args: string[]): Promise<Reply> {
    let reply: unknown;
    try {
      reply = await runScript(this.#command, script, keys, [this.#generation, ...args]);
    } catch (error) {
      throw new LedgerUnavailableError(
        `Redis did not complete the ledger's ${what}${id === undefined ? '' : ` of intent ${id}`} (${reasonOf(error)}); ` +
          'the change may or may not be stored. Nothing further is sent on its account.',
        { cause: error },
      );
    }
    if (!Array.isArray(reply) || (typeof reply[0] !== 'string' && !Buffer.isBuffer(reply[0]))) {
      throw new LedgerCorruptError(`Redis answered the ledger's ${what} with an unexpected reply; check that the client returns raw replies.`);
    }
    const out: unknown[] = [...(reply as unknown[])];
    out[0] = replyText(out[0]);
    if (out[0] === 'lost') {
      throw new LedgerCorruptError(
        `The Redis ledger under prefix "${this.prefix}" lost its marker key: the server lost data (a restart without persistence, FLUSHALL/FLUSHDB, eviction) ` +
          'or the keys were deleted. Intents recorded before may be gone, so nothing more is written or sent by this process. ' +
          'Fix the server\'s persistence, then reopen the ledger; derived keys let the venue deduplicate what is sent again.',
      );
    }
    return out;
  }

  /** WAIT for replicas after a write, when configured. */
  async #replicate(what: string, id: string): Promise<void> {
    if (!this.#wait) return;
    let acked: number;
    try {
      acked = Number(await this.#command(['WAIT', String(this.#wait.replicas), String(this.#wait.timeoutMs)]));
    } catch (error) {
      throw new LedgerUnavailableError(`Redis did not confirm replication of the ${what} of intent ${id} (${reasonOf(error)}).`, { cause: error });
    }
    if (!(acked >= this.#wait.replicas)) {
      throw new LedgerUnavailableError(
        `Only ${Number.isFinite(acked) ? acked : 0} of ${this.#wait.replicas} replica(s) confirmed the ${what} of intent ${id} within ${this.#wait.timeoutMs} ms; ` +
          'the change is on the primary but a failover could lose it, so nothing further is sent on its account.',
      );
    }
  }

  /**
   * A record found by SCAN, or `undefined` when its `doc` names another id: the key then
   * belongs to a ledger whose prefix extends this one's (`P intent:x:` + `intent:<id>`).
   */
  #decodeListed(id: string, raw: unknown): IntentRecord | undefined {
    return this.#decode(id, raw, true);
  }

  #decode(id: string, raw: unknown): IntentRecord;
  #decode(id: string, raw: unknown, foreignOk: true): IntentRecord | undefined;
  #decode(id: string, raw: unknown, foreignOk = false): IntentRecord | undefined {
    if (!Array.isArray(raw)) throw new LedgerCorruptError(`Intent ${id} came back from Redis in an unexpected shape.`);
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < raw.length; i += 2) f.set(replyText(raw[i]), replyText(raw[i + 1]));
    const status = f.get('status') as IntentStatus | undefined;
    const attempt = Number(f.get('attempt'));
    const epoch = Number(f.get('epoch'));
    const updatedAt = Number(f.get('updatedAt'));
    let doc: IntentDraft;
    let outcome: StoredOutcome | undefined;
    try {
      doc = JSON.parse(f.get('doc') ?? '') as IntentDraft;
      const o = f.get('outcome');
      outcome = o === undefined ? undefined : (JSON.parse(o) as StoredOutcome);
    } catch (cause) {
      throw new LedgerCorruptError(`Intent ${id} in Redis holds unreadable JSON.`, { cause });
    }
    if (foreignOk && typeof doc === 'object' && doc !== null && typeof doc.id === 'string' && doc.id !== id) return undefined;
    if (
      status === undefined ||
      !(INTENT_STATUSES as readonly string[]).includes(status) ||
      !Number.isInteger(attempt) ||
      !Number.isInteger(epoch) ||
      !Number.isFinite(updatedAt) ||
      typeof doc !== 'object' ||
      doc === null ||
      doc.id !== id
    ) {
      throw new LedgerCorruptError(`Intent ${id} in Redis has missing or invalid fields.`);
    }
    const leaseOwner = f.get('leaseOwner');
    // The hash field keeps its first name, `leaseUntil`, so ledgers written before the
    // record field was renamed open unchanged.
    const leaseExpiresAt = f.get('leaseUntil');
    return {
      ...doc,
      input: this.#codec ? this.#codec.decode(doc.input) : doc.input,
      status,
      attempt,
      epoch,
      ...(leaseOwner === undefined ? {} : { leaseOwner }),
      ...(leaseExpiresAt === undefined ? {} : { leaseExpiresAt: Number(leaseExpiresAt) }),
      updatedAt,
      ...(outcome === undefined ? {} : { outcome }),
    };
  }
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError({ path: `RedisLedger.open(options).${name}`, expected: 'a positive integer', received: describeValue(value) });
  }
  return value;
}
