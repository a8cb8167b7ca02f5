import { AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { attemptSettleMs, readCarriedWindow, windowRefusal, type CarriedWindow, type WindowCarrier } from '../../../src/client/request-window.js';
import type { RequestWindowSpec } from '../../../src/venues/index.js';

const query: RequestWindowSpec = { in: 'query', field: 'recvWindow', defaultMs: 5_000, maxMs: 60_000, aheadMs: 1_000 };
const header: RequestWindowSpec = { in: 'header', field: 'X-BAPI-RECV-WINDOW', defaultMs: 5_000, aheadMs: 1_000 };
const body: RequestWindowSpec = { ...query, in: 'body' };

describe('readCarriedWindow', () => {
  const rows: ReadonlyArray<[string, RequestWindowSpec, WindowCarrier, CarriedWindow]> = [
    ['params object', query, { params: { recvWindow: 10_000 } }, { kind: 'carried', ms: 10_000 }],
    ['params URLSearchParams', query, { params: new URLSearchParams('recvWindow=7000') }, { kind: 'carried', ms: 7_000 }],
    ['signed URL query string', query, { url: '/api/v3/order?symbol=X&recvWindow=20000&signature=ab#frag' }, { kind: 'carried', ms: 20_000 }],
    ['microsecond decimals', query, { params: { recvWindow: '6000.346' } }, { kind: 'carried', ms: 6000.346 }],
    ['query spec, window only in a form body', query, { data: 'symbol=X&recvWindow=60000' }, { kind: 'carried', ms: 60_000 }],
    ['query spec, query wins over body', query, { params: { recvWindow: 1_000 }, data: 'recvWindow=60000' }, { kind: 'carried', ms: 1_000 }],
    ['absent', query, { params: { symbol: 'X' }, url: '/api/v3/order' }, { kind: 'absent' }],
    ['empty value is absent', query, { params: { recvWindow: '' } }, { kind: 'absent' }],
    ['not a number', query, { params: { recvWindow: '5s' } }, { kind: 'unreadable' }],
    ['negative', query, { params: { recvWindow: -1 } }, { kind: 'unreadable' }],
    ['form body string', body, { data: 'symbol=X&recvWindow=3000' }, { kind: 'carried', ms: 3_000 }],
    ['JSON body string', body, { data: '{"recvWindow":4000}' }, { kind: 'carried', ms: 4_000 }],
    ['object body', body, { data: { recvWindow: 4_500 } }, { kind: 'carried', ms: 4_500 }],
    ['header, any case', header, { headers: AxiosHeaders.from({ 'x-bapi-recv-window': '8000' }) }, { kind: 'carried', ms: 8_000 }],
    ['plain header object', header, { headers: { 'X-BAPI-RECV-WINDOW': '9000' } }, { kind: 'carried', ms: 9_000 }],
    ['no headers', header, {}, { kind: 'absent' }],
  ];
  it.each(rows)('%s', (_label, spec, carrier, expected) => {
    expect(readCarriedWindow(spec, carrier)).toEqual(expected);
  });

  it('never throws on a hostile container', () => {
    const hostile = new Proxy({}, { getOwnPropertyDescriptor: () => { throw new Error('boom'); } });
    expect(readCarriedWindow(query, { params: hostile })).toEqual({ kind: 'unreadable' });
  });
});

describe('attemptSettleMs and windowRefusal', () => {
  it.each<[CarriedWindow, number | undefined, boolean]>([
    [{ kind: 'carried', ms: 2_000 }, 3_000, false],
    [{ kind: 'absent' }, 6_000, false],
    [{ kind: 'carried', ms: 60_000 }, 61_000, false],
    [{ kind: 'carried', ms: 60_001 }, 61_000, true],
    [{ kind: 'unreadable' }, undefined, false],
  ])('%j settles after %s ms (refused: %s)', (carried, settle, refused) => {
    expect(attemptSettleMs(query, carried)).toBe(settle);
    expect(windowRefusal(query, carried) !== undefined).toBe(refused);
  });

  it('without a documented maximum, any window is used as carried and none is refused', () => {
    expect(attemptSettleMs(header, { kind: 'carried', ms: 600_000 })).toBe(601_000);
    expect(windowRefusal(header, { kind: 'carried', ms: 600_000 })).toBeUndefined();
  });
});
