export type {
  DedupeSpec,
  ErrorRule,
  KeyFormat,
  KeySpec,
  LookupSpec,
  RateLimitSpec,
  ReconcileSpec,
  ResponseSpec,
  RuleOutcome,
  TimeUnit,
  UsageHeaderSpec,
  VenueAbout,
  VenueProfile,
} from './profile.js';
export { defineVenue, extendVenue, venueProfileSchema, type VenueOverrides } from './schema.js';
export { DAY_MS, GENERIC_RULES, genericVenue, ietfIdempotencyKey } from './generic.js';
export { binanceSpot } from './binance-spot.js';
export { stripe } from './stripe.js';
