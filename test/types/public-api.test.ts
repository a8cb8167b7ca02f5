import axios from 'axios';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  binanceSpot,
  createIntentClient,
  type IntentResult,
  type IntentSummary,
  type IntentView,
  type ListQuery,
  type Operation,
  type Outcome,
  type RateLimitUsage,
  type RecoveryHandle,
  type RecoveryReport,
  type HeaderMatch,
  type RequestWindowSpec,
  type VenueProfile,
} from '../../src/index.js';

describe('public types', () => {
  it('an operation carries its input and result types through to the call', () => {
    const client = createIntentClient(axios.create(), { venue: binanceSpot });
    const place = client.operation('order.create', {
      request: (input: { symbol: string; qty: string }, ctx) => {
        expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
        expectTypeOf(ctx.venueKey).toEqualTypeOf<string>();
        return { method: 'POST', url: '/order', params: input };
      },
      result: (response) => ({ orderId: (response.data as { orderId: number }).orderId }),
    });
    expectTypeOf(place).toEqualTypeOf<Operation<{ symbol: string; qty: string }, { orderId: number }>>();
    expectTypeOf(place).parameter(0).toEqualTypeOf<{ symbol: string; qty: string }>();
    expectTypeOf(place).returns.resolves.toEqualTypeOf<IntentResult<{ orderId: number }>>();
    // @ts-expect-error: the input type is enforced (checked by tsc; never called)
    expectTypeOf(place).toBeCallableWith({ symbol: 1 });
  });

  it('outcomes are a discriminated union on kind', () => {
    const describe = (o: Outcome): string => {
      switch (o.kind) {
        case 'rateLimited':
          expectTypeOf(o.scope).toEqualTypeOf<'request' | 'venue'>();
          return 'wait';
        case 'conflict':
          expectTypeOf(o.conflict).toEqualTypeOf<'inProgress' | 'duplicate'>();
          return 'reconcile';
        default:
          return o.kind;
      }
    };
    expectTypeOf(describe).returns.toEqualTypeOf<string>();
  });
});

describe('venue exports', () => {
  it('every shipped profile is a VenueProfile, and the registry lists them', async () => {
    const api = await import('../../src/index.js');
    const shipped = [
      api.binanceSpot, api.binanceUsdm, api.bybit, api.okx, api.coinbase, api.kraken, api.kucoin, api.deribit, api.bitfinex, api.gate,
      api.stripe, api.adyen, api.paypal, api.square, api.checkoutCom, api.braintree, api.ietfIdempotencyKey, api.genericVenue,
    ];
    expectTypeOf(api.okx).toEqualTypeOf<VenueProfile>();
    expectTypeOf(api.readRateLimitUsage).returns.toEqualTypeOf<RateLimitUsage[]>();
    expect(new Set(Object.values(api.VENUE_PROFILES))).toEqual(new Set(shipped));
  });

  it('the round-two profile fields are typed and exported', () => {
    expectTypeOf<NonNullable<VenueProfile['reconcile']['requestWindow']>>().toEqualTypeOf<RequestWindowSpec>();
    expectTypeOf<NonNullable<VenueProfile['errors'][number]['match']['header']>>().toEqualTypeOf<HeaderMatch>();
    expectTypeOf<VenueProfile['key']['valueType']>().toEqualTypeOf<'string' | 'number' | undefined>();
    expectTypeOf<Extract<VenueProfile['dedupe'], { kind: 'keyStore' }>['stores']>().toEqualTypeOf<'all' | 'successes' | undefined>();
    expect(binanceSpot.reconcile.requestWindow?.field).toBe('recvWindow');
  });
});

describe('recovery and listing types', () => {
  it('startRecovery returns a handle whose report and progress are typed; list returns summaries', () => {
    const client = createIntentClient(axios.create(), { venue: binanceSpot });
    expectTypeOf(client.startRecovery).returns.toEqualTypeOf<RecoveryHandle>();
    expectTypeOf<RecoveryHandle['done']>().toEqualTypeOf<Promise<RecoveryReport>>();
    expectTypeOf<RecoveryReport['needsAttention'][number]['nextCheckAt']>().toEqualTypeOf<number | undefined>();
    expectTypeOf(client.list).parameter(0).toEqualTypeOf<ListQuery | undefined>();
    expectTypeOf(client.list).returns.resolves.toEqualTypeOf<IntentSummary[]>();
    expectTypeOf<IntentSummary['view']>().toEqualTypeOf<IntentView>();
    expectTypeOf<IntentView>().toEqualTypeOf<'pending' | 'inFlight' | 'succeeded' | 'failed' | 'unknown' | 'parked'>();
    // @ts-expect-error: a view that does not exist is refused by the type (checked by tsc)
    expectTypeOf(client.list).toBeCallableWith({ status: 'done' });
  });
});
