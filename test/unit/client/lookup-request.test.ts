import { describe, expect, it } from 'vitest';
import { buildLookupRequest, matchLookupItems } from '../../../src/client/lookup-request.js';
import type { LookupSpec } from '../../../src/venues/index.js';

const binance: LookupSpec = { method: 'GET', path: '/api/v3/order', keyIn: 'query', keyParam: 'origClientOrderId', copyParams: ['symbol'] };
const gate: LookupSpec = { method: 'GET', path: '/api/v4/spot/orders/{key}', keyIn: 'path', copyParams: ['currency_pair'] };
const kraken: LookupSpec = { method: 'POST', path: '/0/private/QueryOrders', keyIn: 'body', keyParam: 'cl_ord_id' };

describe('buildLookupRequest', () => {
  describe('valueFrom: looked up by a field of the request, not the key', () => {
    const byReference: LookupSpec = { method: 'GET', path: '/payments', keyIn: 'query', keyParam: 'reference', valueFrom: 'reference' };
    it.each([
      ['a JSON body object', { data: { reference: 'ORD-1', amount: 5 } }],
      ['a JSON body string', { data: '{"reference":"ORD-1"}' }],
      ['a form body', { data: 'reference=ORD-1&amount=5' }],
      ['the query, when the body has none', { params: { reference: 'ORD-1' } }],
    ])('reads it from %s', (_label, original) => {
      expect(buildLookupRequest(byReference, { method: 'POST', url: '/payments', ...original }, 'venue-key', undefined)).toEqual({
        kind: 'request',
        config: { method: 'GET', url: '/payments', params: { reference: 'ORD-1' } },
      });
    });

    it('prefers the body over the query, and fills a path placeholder with it', () => {
      const original = { method: 'POST', url: '/p', data: { ref: { id: 'A/1' } }, params: { ref: 'B' } };
      const inPath: LookupSpec = { method: 'GET', path: '/payments/{key}', keyIn: 'path', valueFrom: 'ref.id' };
      expect(buildLookupRequest(inPath, original, 'venue-key', undefined)).toMatchObject({ config: { url: '/payments/A%2F1' } });
    });

    it('is unavailable (never sent with the key instead) when the request has no such field', () => {
      const built = buildLookupRequest(byReference, { method: 'POST', url: '/payments', data: { amount: 5 } }, 'venue-key', undefined);
      expect(built).toEqual({ kind: 'unavailable', reason: expect.stringContaining('"reference"') });
    });
  });

  it('puts the key in the query and copies business params from the original query', () => {
    const built = buildLookupRequest(binance, { method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', quantity: 1 } }, 'k-1', undefined);
    expect(built).toEqual({ kind: 'request', config: { method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: 'k-1' } } });
  });

  it('copies params from a URLSearchParams, form-string or JSON-string body', () => {
    for (const data of [new URLSearchParams({ symbol: 'ETHUSDT' }), 'symbol=ETHUSDT&side=SELL', '{"symbol":"ETHUSDT"}']) {
      const built = buildLookupRequest(binance, { method: 'POST', url: '/x', data }, 'k', undefined);
      expect(built).toMatchObject({ kind: 'request', config: { params: { symbol: 'ETHUSDT', origClientOrderId: 'k' } } });
    }
  });

  it('lets reconcile.params supply or override a parameter, and reads dotted names', () => {
    const deribit: LookupSpec = { method: 'GET', path: '/api/v2/private/get_order_state_by_label', keyIn: 'query', keyParam: 'label', copyParams: ['currency'] };
    const original = { method: 'POST', url: '/api/v2/private/buy', data: { params: { instrument_name: 'BTC-PERPETUAL' } } };
    expect(buildLookupRequest(deribit, original, 'lbl', { currency: 'BTC' })).toMatchObject({ config: { params: { currency: 'BTC', label: 'lbl' } } });
    expect(buildLookupRequest(binance, { params: { symbol: 'A' } }, 'k', { symbol: 'B' })).toMatchObject({ config: { params: { symbol: 'B' } } });
    const nested: LookupSpec = { ...binance, copyParams: ['params.instrument_name'] };
    expect(buildLookupRequest(nested, original, 'k', undefined)).toMatchObject({ config: { params: { instrument_name: 'BTC-PERPETUAL' } } });
  });

  it('refuses to build a lookup when a required parameter is missing or empty', () => {
    for (const original of [{ params: {} }, { params: { symbol: '' } }, { params: { symbol: { nested: 1 } } }, { data: 'not=it' }]) {
      const built = buildLookupRequest(binance, original, 'k', undefined);
      expect(built.kind).toBe('unavailable');
      expect(built.kind === 'unavailable' && built.reason).toContain('"symbol"');
    }
  });

  it('substitutes the URL-encoded key into the path', () => {
    const built = buildLookupRequest(gate, { data: { currency_pair: 'BTC_USDT', text: 't-abc' } }, 't-a/b c', undefined);
    expect(built).toEqual({ kind: 'request', config: { method: 'GET', url: '/api/v4/spot/orders/t-a%2Fb%20c', params: { currency_pair: 'BTC_USDT' } } });
  });

  it('sends a POST lookup in the encoding of the original body, keeping its content type', () => {
    const form = buildLookupRequest(kraken, { method: 'POST', data: 'ordertype=market&pair=XBTUSD', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 'uuid-1', undefined);
    expect(form).toEqual({
      kind: 'request',
      config: { method: 'POST', url: '/0/private/QueryOrders', data: 'cl_ord_id=uuid-1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
    });
    const params = buildLookupRequest(kraken, { method: 'POST', data: new URLSearchParams({ pair: 'XBTUSD' }) }, 'u', undefined);
    expect(params.kind === 'request' && params.config.data).toBeInstanceOf(URLSearchParams);
    const json = buildLookupRequest(kraken, { method: 'POST', data: { pair: 'XBTUSD' } }, 'u', undefined);
    expect(json).toMatchObject({ config: { data: { cl_ord_id: 'u' } } });
  });

  it('does not modify the original request', () => {
    const original = { method: 'POST', params: Object.freeze({ symbol: 'X' }), data: Object.freeze({ a: 1 }) };
    const snapshot = JSON.stringify(original);
    buildLookupRequest(binance, original, 'k', undefined);
    expect(JSON.stringify(original)).toBe(snapshot);
  });
});

describe('matchLookupItems: the object must carry the looked-up value', () => {
  const bybitLike = { itemsPath: 'result.list', keyPath: 'orderLinkId' };
  const krakenLike = { itemsPath: 'result.open', keyPath: 'cl_ord_id' };
  it.each<[string, { itemsPath: string; keyPath: string }, unknown, 'match' | 'miss' | 'unreadable']>([
    ['an array item with the key', bybitLike, { result: { list: [{ orderLinkId: 'a' }, { orderLinkId: 'k' }] } }, 'match'],
    ['object values (a map keyed by order id)', krakenLike, { result: { open: { O1: { cl_ord_id: 'x' }, O2: { cl_ord_id: 'k' } } } }, 'match'],
    ['only other orders: a filter the venue ignored', bybitLike, { result: { list: [{ orderLinkId: 'a' }, { orderLinkId: 'b' }] } }, 'miss'],
    ['an empty list', bybitLike, { result: { list: [] } }, 'miss'],
    ['no collection at all', bybitLike, { result: {} }, 'miss'],
    ['items without the field cannot tell', krakenLike, { result: { open: { O1: { status: 'open' } } } }, 'unreadable'],
    ['one without the field and none matching', bybitLike, { result: { list: [{ orderLinkId: 'a' }, {}] } }, 'unreadable'],
    ['a match wins over items without the field', bybitLike, { result: { list: [{}, { orderLinkId: 'k' }] } }, 'match'],
    ['a scalar where the items should be', bybitLike, { result: { list: 'k' } }, 'unreadable'],
    ['a number compared as text', { itemsPath: 'data', keyPath: 'cid' }, { data: [{ cid: 12345 }] }, 'miss'],
  ])('%s', (_label, match, body, expected) => {
    expect(matchLookupItems(match, body, 'k')).toBe(expected);
  });

  it('compares numbers by their text', () => {
    expect(matchLookupItems({ itemsPath: 'data', keyPath: 'cid' }, { data: [{ cid: 12345 }] }, '12345')).toBe('match');
  });
});
