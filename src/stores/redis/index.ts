// `intentkey/stores/redis`: the shared intent ledger on your own Redis client.
export { RedisLedger, type RedisLedgerOptions } from './redis-ledger.js';
export type { IoRedisLikeClient, NodeRedisLikeClient, RedisClientLike, RedisCommandFunction } from './client.js';
export type { RedisPersistenceReport } from './persistence.js';
