// `intentkey/stores/redis`: the shared intent ledger and the shared rate limiter on your own Redis client.
export { RedisLedger, type RedisLedgerOptions } from './redis-ledger.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limiter.js';
export type { IoRedisLikeClient, NodeRedisLikeClient, RedisClientLike, RedisCommandFunction } from './client.js';
export type { RedisPersistenceReport } from './persistence.js';
