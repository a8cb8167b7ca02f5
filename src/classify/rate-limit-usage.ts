import { parseRetryAfter } from '../backoff/retry-after.js';
import type { UsageHeaderSpec, VenueProfile } from '../venues/profile.js';

/**
 * One rate-limit counter as a response reported it. Fields the venue did not send and
 * that cannot be derived are absent.
 */
export interface RateLimitUsage {
  /** The usage header it was read from, lowercase (`x-mbx-used-weight-1m`). */
  readonly header: string;
  /** Units (weight, requests, orders) used in the current window. */
  readonly used?: number;
  /** Units left in the current window (never negative). */
  readonly remaining?: number;
  /** The window's limit, from the limit header or the profile. */
  readonly limit?: number;
  /** `used / limit`: 0 is idle, 1 is the limit reached. Can exceed 1 when the venue over-counts. */
  readonly utilisation?: number;
  /** When the window resets, epoch ms: from the reset header, else the next boundary of a fixed window. */
  readonly resetAt?: number;
}

/** Non-negative decimal, as usage headers carry them. */
const COUNT = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Reads the venue's rate-limit usage headers (`profile.rateLimit.usage`) from one
 * response. Pure and total: a header that is missing or not a non-negative number
 * yields no entry, and it never throws.
 *
 * @param header - case-insensitive header lookup; `undefined` when absent.
 * @param nowMs - current time, epoch ms; turns relative resets and fixed windows into `resetAt`.
 * @returns one entry per usage header present, in profile order.
 *
 * @example
 * readRateLimitUsage(binanceSpot, (name) => headers[name], Date.now());
 * // [{ header: 'x-mbx-used-weight-1m', used: 5790, limit: 6000, remaining: 210, utilisation: 0.965, resetAt: 1748779260000 }]
 */
export function readRateLimitUsage(
  profile: VenueProfile,
  header: (name: string) => string | undefined,
  nowMs: number,
): RateLimitUsage[] {
  const specs = profile.rateLimit?.usage;
  if (!Array.isArray(specs)) return [];
  const found: RateLimitUsage[] = [];
  for (const spec of specs as readonly UsageHeaderSpec[]) {
    try {
      const usage = readOne(spec, header, nowMs);
      if (usage !== undefined) found.push(usage);
    } catch {
      // A hostile header reader or a malformed (unvalidated) spec: skip that counter.
    }
  }
  return found;
}

function readOne(spec: UsageHeaderSpec, header: (name: string) => string | undefined, nowMs: number): RateLimitUsage | undefined {
  const value = readCount(header(spec.header));
  if (value === undefined) return undefined;
  const headerLimit = spec.limitHeader === undefined ? undefined : readCount(header(spec.limitHeader));
  const limit = headerLimit !== undefined && headerLimit > 0 ? headerLimit : positive(spec.limit);

  let used: number | undefined;
  let remaining: number | undefined;
  if (spec.reports === 'used') {
    used = value;
    if (limit !== undefined) remaining = Math.max(0, limit - value);
  } else {
    remaining = value;
    if (limit !== undefined) used = Math.max(0, limit - value);
  }

  const usage: { -readonly [K in keyof RateLimitUsage]: RateLimitUsage[K] } = { header: spec.header.toLowerCase() };
  if (used !== undefined) usage.used = used;
  if (remaining !== undefined) usage.remaining = remaining;
  if (limit !== undefined) usage.limit = limit;
  if (used !== undefined && limit !== undefined) usage.utilisation = used / limit;
  const resetAt = readResetAt(spec, header, nowMs);
  if (resetAt !== undefined) usage.resetAt = resetAt;
  return usage;
}

function readResetAt(spec: UsageHeaderSpec, header: (name: string) => string | undefined, nowMs: number): number | undefined {
  if (spec.resetHeader !== undefined) {
    const raw = header(spec.resetHeader);
    if (raw !== undefined && COUNT.test(raw)) {
      const waitMs = parseRetryAfter(raw, nowMs, spec.resetUnit ?? 'epochMilliseconds');
      if (waitMs !== undefined) return nowMs + waitMs;
    }
  }
  const windowMs = positive(spec.windowMs);
  // Fixed windows aligned to the Unix epoch: a `1m` counter resets at the next whole minute.
  if (windowMs !== undefined && Number.isFinite(nowMs)) return (Math.floor(nowMs / windowMs) + 1) * windowMs;
  return undefined;
}

function readCount(raw: string | undefined): number | undefined {
  if (typeof raw !== 'string' || !COUNT.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function positive(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
