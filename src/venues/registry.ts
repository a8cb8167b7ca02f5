import { adyen } from './adyen.js';
import { binanceSpot } from './binance-spot.js';
import { binanceUsdm } from './binance-usdm.js';
import { bitfinex } from './bitfinex.js';
import { braintree } from './braintree.js';
import { bybit } from './bybit.js';
import { checkoutCom } from './checkout-com.js';
import { coinbase } from './coinbase.js';
import { deribit } from './deribit.js';
import { gate } from './gate.js';
import { genericVenue, ietfIdempotencyKey } from './generic.js';
import { kraken } from './kraken.js';
import { kucoin } from './kucoin.js';
import { okx } from './okx.js';
import { paypal } from './paypal.js';
import type { VenueProfile } from './profile.js';
import { square } from './square.js';
import { stripe } from './stripe.js';

/**
 * Every profile intentkey ships, exchanges first, then payment APIs, then the generic
 * ones. Keyed by export name. Importing this pulls in every profile; import single
 * profiles by name to keep bundles small.
 */
export const VENUE_PROFILES: Readonly<Record<string, VenueProfile>> = Object.freeze({
  binanceSpot,
  binanceUsdm,
  bybit,
  okx,
  coinbase,
  kraken,
  kucoin,
  deribit,
  bitfinex,
  gate,
  stripe,
  adyen,
  paypal,
  square,
  checkoutCom,
  braintree,
  ietfIdempotencyKey,
  genericVenue,
});

/**
 * The shipped profile called `name`: its profile name (`binance-spot`) or its export name
 * (`binanceSpot`), ignoring case and surrounding spaces. `undefined` when none has it.
 */
export function findVenueProfile(name: string): VenueProfile | undefined {
  const wanted = name.trim().toLowerCase();
  for (const [exportName, profile] of Object.entries(VENUE_PROFILES)) {
    if (profile.name.toLowerCase() === wanted || exportName.toLowerCase() === wanted) return profile;
  }
  return undefined;
}
