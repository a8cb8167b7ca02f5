import { createHash } from 'node:crypto';
import { INTENT_STATUSES, TERMINAL_STATUSES } from '../../ledger/intent.js';
import { isAllowedTransition } from '../../ledger/transitions.js';

/**
 * Lua scripts of the Redis ledger. Each runs atomically in the server, so every
 * check-then-write (create if absent, claim unless leased, compare-and-set on status
 * and epoch) is one step no other client can interleave with.
 *
 * Every script first compares the ledger's generation marker with the one this
 * process read at open: a server that lost its data (restart without persistence,
 * FLUSHALL, eviction) has lost the marker too, and the script answers `lost` instead
 * of writing into an empty ledger as if nothing had happened
 * (docs/durability.md#d21-redis-the-server-must-keep-what-it-acknowledged).
 *
 * Layout under the prefix P: `P meta` (hash: generation, layout), `P intent:<id>`
 * (hash: doc, status, attempt, epoch, updatedAt, leaseOwner, leaseUntil, outcome),
 * `P resumable` (sorted set of pending, in-flight and unknown ids, scored by createdAt).
 * `doc` and `outcome` are JSON written by the client and never parsed in Lua, so
 * inputs and results keep every number and empty array exactly.
 */

/** A script with its SHA-1, for EVALSHA. */
export interface LedgerScript {
  readonly name: string;
  readonly body: string;
  readonly sha: string;
}

const GENERATION_CHECK = `if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return {'lost'} end\n`;

function script(name: string, body: string): LedgerScript {
  return { name, body, sha: createHash('sha1').update(body).digest('hex') };
}

/** The state machine of `transitions.ts` as a Lua table literal: one source of truth. */
function allowedTable(): string {
  const rows = INTENT_STATUSES.map((from) => {
    const targets = INTENT_STATUSES.filter((to) => isAllowedTransition(from, to)).map((to) => `${to}=true`);
    return `${from}={${targets.join(',')}}`;
  });
  return `{${rows.join(',')}}`;
}

const terminalTest = (v: string): string => [...TERMINAL_STATUSES].map((s) => `${v} == '${s}'`).join(' or ');

/**
 * KEYS: meta. ARGV: candidate generation, layout version.
 * Creates the marker when absent; returns {generation, layout} as stored.
 */
export const OPEN_SCRIPT = script(
  'open',
  `redis.call('HSETNX', KEYS[1], 'generation', ARGV[1])
redis.call('HSETNX', KEYS[1], 'layout', ARGV[2])
return redis.call('HMGET', KEYS[1], 'generation', 'layout')`,
);

/**
 * KEYS: meta, intent, resumable. ARGV: generation, doc JSON, updatedAt, createdAt, id,
 * then for an intent created already claimed and in flight (`CreateInFlight`): lease
 * owner, leaseUntil, outcome JSON (all three absent for a pending intent).
 * Returns {'created'} or {'exists', HGETALL}.
 */
export const CREATE_SCRIPT = script(
  'create',
  `${GENERATION_CHECK}if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists', redis.call('HGETALL', KEYS[2])} end
if ARGV[6] then
  redis.call('HSET', KEYS[2], 'doc', ARGV[2], 'status', 'inFlight', 'attempt', '1', 'epoch', '1', 'updatedAt', ARGV[3], 'leaseOwner', ARGV[6], 'leaseUntil', ARGV[7], 'outcome', ARGV[8])
else
  redis.call('HSET', KEYS[2], 'doc', ARGV[2], 'status', 'pending', 'attempt', '0', 'epoch', '0', 'updatedAt', ARGV[3])
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
return {'created'}`,
);

/** KEYS: meta, then intents. ARGV: generation. Returns {'ok', HGETALL...} (empty for a missing intent). */
export const READ_SCRIPT = script(
  'read',
  `${GENERATION_CHECK}local out = {'ok'}
for i = 2, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
return out`,
);

/** KEYS: meta, resumable. ARGV: generation. Returns {'ok', {ids oldest first}}. */
export const LIST_SCRIPT = script('list', `${GENERATION_CHECK}return {'ok', redis.call('ZRANGE', KEYS[2], 0, -1)}`);

/**
 * KEYS: meta, resumable. ARGV: generation, highest score (`createdBefore`, or `+inf`).
 * Returns {'ok', {id, score, id, score, ...}}: the unfinished ids created at or before
 * it, oldest first, in one atomic read.
 */
export const RANGE_SCRIPT = script('range', `${GENERATION_CHECK}return {'ok', redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'WITHSCORES')}`);

/**
 * KEYS: meta. ARGV: generation, cursor, MATCH pattern (`P intent:*`, glob characters of P
 * escaped), COUNT, the key prefix `P intent:`. One SCAN step over the keys of the node
 * that holds the meta key (with a hash-tagged prefix, the node of every ledger key).
 * Returns {'ok', next cursor, {ids}}: the ids of the matching keys that are hashes with a
 * `doc` field (a key of another ledger whose prefix extends P can still match; the
 * client skips those by the id in `doc`).
 */
export const SCAN_SCRIPT = script(
  'scan',
  `${GENERATION_CHECK}local page = redis.call('SCAN', ARGV[2], 'MATCH', ARGV[3], 'COUNT', ARGV[4])
local ids = {}
local skip = #ARGV[5]
for _, key in ipairs(page[2]) do
  if redis.call('TYPE', key).ok == 'hash' and redis.call('HEXISTS', key, 'doc') == 1 then
    ids[#ids + 1] = string.sub(key, skip + 1)
  end
end
return {'ok', page[1], ids}`,
);

/**
 * KEYS: meta, intent. ARGV: generation, owner, now, leaseUntil.
 * Returns {'missing'}, {'refused', HGETALL} or {'claimed', HGETALL}.
 */
export const CLAIM_SCRIPT = script(
  'claim',
  `${GENERATION_CHECK}local h = redis.call('HMGET', KEYS[2], 'status', 'leaseOwner', 'leaseUntil')
local status = h[1]
if not status then return {'missing'} end
if ${terminalTest('status')} then return {'refused', redis.call('HGETALL', KEYS[2])} end
if h[2] and h[2] ~= ARGV[2] and h[3] and tonumber(h[3]) > tonumber(ARGV[3]) then
  return {'refused', redis.call('HGETALL', KEYS[2])}
end
redis.call('HINCRBY', KEYS[2], 'epoch', 1)
redis.call('HSET', KEYS[2], 'leaseOwner', ARGV[2], 'leaseUntil', ARGV[4])
return {'claimed', redis.call('HGETALL', KEYS[2])}`,
);

/**
 * KEYS: meta, intent, resumable. ARGV: generation, expectStatus, expectEpoch, to,
 * attempt ('' when none), outcome JSON ('' when none), now, retentionMs, id, release
 * ('1': clear the lease fields in the same write).
 * Returns {'missing'}, {'stale', status, epoch}, {'forbidden', status} or {'ok', HGETALL}.
 * Terminal intents leave the resumable set and expire after retentionMs.
 */
export const TRANSITION_SCRIPT = script(
  'transition',
  `${GENERATION_CHECK}local h = redis.call('HMGET', KEYS[2], 'status', 'epoch', 'attempt')
if not h[1] then return {'missing'} end
if h[1] ~= ARGV[2] or tonumber(h[2]) ~= tonumber(ARGV[3]) then return {'stale', h[1], h[2]} end
local allowed = ${allowedTable()}
local row = allowed[h[1]]
if not row or not row[ARGV[4]] then return {'forbidden', h[1]} end
local attempt = h[3]
if ARGV[4] == 'inFlight' then
  if tonumber(ARGV[5]) ~= tonumber(h[3]) + 1 then return {'forbidden', h[1]} end
  attempt = ARGV[5]
end
redis.call('HSET', KEYS[2], 'status', ARGV[4], 'attempt', attempt, 'updatedAt', ARGV[7])
if ARGV[6] == '' then redis.call('HDEL', KEYS[2], 'outcome') else redis.call('HSET', KEYS[2], 'outcome', ARGV[6]) end
if ARGV[10] == '1' then redis.call('HDEL', KEYS[2], 'leaseOwner', 'leaseUntil') end
local to = ARGV[4]
if ${terminalTest('to')} then
  redis.call('ZREM', KEYS[3], ARGV[9])
  redis.call('PEXPIRE', KEYS[2], ARGV[8])
end
return {'ok', redis.call('HGETALL', KEYS[2])}`,
);

/** KEYS: meta, intent. ARGV: generation, owner, epoch. Returns {'released'} or {'kept'}. */
export const RELEASE_SCRIPT = script(
  'release',
  `${GENERATION_CHECK}local h = redis.call('HMGET', KEYS[2], 'leaseOwner', 'epoch')
if h[1] and h[1] == ARGV[2] and tonumber(h[2]) == tonumber(ARGV[3]) then
  redis.call('HDEL', KEYS[2], 'leaseOwner', 'leaseUntil')
  return {'released'}
end
return {'kept'}`,
);

/**
 * KEYS: meta, resumable. ARGV: generation, owner, now, leaseUntil, limit, highest score
 * (`createdBefore`, or `+inf`), cursor score ('' for none), cursor id, most candidates to
 * examine, the key prefix `P intent:`, then the ids to leave alone.
 *
 * Walks the `resumable` set oldest first (score, then id in byte order), from just after
 * the cursor, and claims as CLAIM_SCRIPT does every intent that is resumable, whose lease
 * is free, expired or the owner's, and that is not parked with its next check after
 * `now`, until `limit` are claimed or the examined candidates reach their maximum (so
 * one call never blocks the server long). Intent keys are named from the set's members,
 * under the same prefix (hash tag) as the keys declared. Returns
 * {'ok', {id, HGETALL, ...}, exhausted ('1' when the set has nothing further), last
 * examined score, last examined id}: the cursor of the next call when not exhausted.
 * The parked check reads `outcome` with cjson, only for `parked.nextCheckAt`.
 */
export const CLAIM_BATCH_SCRIPT = script(
  'claimBatch',
  `${GENERATION_CHECK}local owner, now, leaseUntil = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local limit, examine = tonumber(ARGV[5]), tonumber(ARGV[9])
local hasAfter = ARGV[7] ~= ''
local afterScore, afterId = tonumber(ARGV[7]), ARGV[8]
local prefix = ARGV[10]
local excluded = {}
for i = 11, #ARGV do excluded[ARGV[i]] = true end
-- Byte order, as the sorted set orders equal scores, whatever the server's locale.
local function notAfter(id)
  local n = math.min(#id, #afterId)
  for i = 1, n do
    local x, y = string.byte(id, i), string.byte(afterId, i)
    if x ~= y then return x < y end
  end
  return #id <= #afterId
end
local claimed, examined, offset = {}, 0, 0
local lastScore, lastId = '', ''
local minScore = '-inf'
if hasAfter then minScore = ARGV[7] end
while true do
  local page = redis.call('ZRANGEBYSCORE', KEYS[2], minScore, ARGV[6], 'WITHSCORES', 'LIMIT', offset, 100)
  if #page == 0 then return {'ok', claimed, '1', lastScore, lastId} end
  offset = offset + #page / 2
  for i = 1, #page, 2 do
    local id, score = page[i], page[i + 1]
    if not (hasAfter and tonumber(score) == afterScore and notAfter(id)) then
      examined = examined + 1
      lastScore, lastId = score, id
      if not excluded[id] then
        local key = prefix .. id
        local h = redis.call('HMGET', key, 'status', 'leaseOwner', 'leaseUntil', 'outcome')
        local status = h[1]
        local free = status == 'pending' or status == 'inFlight' or status == 'unknown'
        if free and h[2] and h[2] ~= owner and h[3] and tonumber(h[3]) > now then free = false end
        if free and status == 'unknown' and h[4] then
          local ok, outcome = pcall(cjson.decode, h[4])
          if ok and type(outcome) == 'table' and type(outcome.parked) == 'table' then
            local due = tonumber(outcome.parked.nextCheckAt)
            if due and due > now then free = false end
          end
        end
        if free then
          redis.call('HINCRBY', key, 'epoch', 1)
          redis.call('HSET', key, 'leaseOwner', owner, 'leaseUntil', leaseUntil)
          claimed[#claimed + 1] = id
          claimed[#claimed + 1] = redis.call('HGETALL', key)
          if #claimed / 2 >= limit then return {'ok', claimed, '0', lastScore, lastId} end
        end
      end
      if examined >= examine then return {'ok', claimed, '0', lastScore, lastId} end
    end
  end
end`,
);
