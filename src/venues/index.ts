export type {
  DedupeSpec,
  ErrorRule,
  HeaderMatch,
  KeyFormat,
  KeyEcho,
  KeySpec,
  LookupMatch,
  LookupSpec,
  RateLimitSpec,
  ReconcileSpec,
  RequestWindowSpec,
  ResponseSpec,
  ScanSpec,
  RuleOutcome,
  TimeUnit,
  UsageHeaderSpec,
  PublishedLimit,
  VenueAbout,
  VenueProfile,
} from './profile.js';
export { defineVenue, extendVenue, type VenueOverrides } from './schema.js';
export { DAY_MS, GENERIC_RULES, genericVenue, ietfIdempotencyKey } from './generic.js';
export { binanceSpot } from './binance-spot.js';
export { binanceUsdm } from './binance-usdm.js';
export { bybit } from './bybit.js';
export { okx } from './okx.js';
export { coinbase } from './coinbase.js';
export { kraken } from './kraken.js';
export { kucoin } from './kucoin.js';
export { deribit } from './deribit.js';
export { bitfinex } from './bitfinex.js';
export { gate } from './gate.js';
export { stripe } from './stripe.js';
export { adyen } from './adyen.js';
export { paypal } from './paypal.js';
export { square } from './square.js';
export { checkoutCom } from './checkout-com.js';
export { braintree } from './braintree.js';
export { VENUE_PROFILES } from './registry.js';
