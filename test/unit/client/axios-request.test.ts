import type { AxiosHeaders } from 'axios';
import { describe, expect, it } from 'vitest';
import { placeKey } from '../../../src/client/axios-request.js';
import { ConfigurationError, type KeySpec } from '../../../src/index.js';

const format = { encoding: 'verbatim', maxLength: 64 } as const;
const header: KeySpec = { placement: 'header', field: 'Idempotency-Key', format };
const body: KeySpec = { placement: 'body', field: 'clientOrderId', format };
const nested: KeySpec = { placement: 'body', field: 'input.transaction.apiRequestKey', format };
const query: KeySpec = { placement: 'query', field: 'newClientOrderId', format };

describe('placeKey', () => {
  it('sets a header, case-insensitively idempotent', () => {
    const once = placeKey({ headers: { 'idempotency-key': 'K1', Accept: 'x' } }, header, 'K1', 'op');
    const twice = placeKey(once, header, 'K1', 'op');
    const h = twice.headers as AxiosHeaders;
    expect(h.get('Idempotency-Key')).toBe('K1');
    expect(h.get('accept')).toBe('x');
  });

  it('refuses a different key already in the header', () => {
    expect(() => placeKey({ headers: { 'IDEMPOTENCY-KEY': 'other' } }, header, 'K1', 'op')).toThrow(ConfigurationError);
  });

  it('adds a body field without mutating the caller object', () => {
    const data = { symbol: 'X' };
    const placed = placeKey({ data }, body, 'K1', 'op');
    expect(placed.data).toEqual({ symbol: 'X', clientOrderId: 'K1' });
    expect(data).toEqual({ symbol: 'X' });
    expect(placeKey(placed, body, 'K1', 'op').data).toEqual({ symbol: 'X', clientOrderId: 'K1' });
  });

  it('creates a body when there is none and follows dotted paths', () => {
    expect(placeKey({}, body, 'K1', 'op').data).toEqual({ clientOrderId: 'K1' });
    expect(placeKey({ data: { input: { transaction: { amount: '1' } } } }, nested, 'K1', 'op').data).toEqual({
      input: { transaction: { amount: '1', apiRequestKey: 'K1' } },
    });
  });

  it('handles URLSearchParams and form-encoded string bodies', () => {
    const form = new URLSearchParams({ a: '1' });
    const placed = placeKey({ data: form }, body, 'K1', 'op').data as URLSearchParams;
    expect(placed.toString()).toBe('a=1&clientOrderId=K1');
    expect(form.toString()).toBe('a=1');
    expect(placeKey({ data: 'a=1&b=2' }, body, 'K1', 'op').data).toBe('a=1&b=2&clientOrderId=K1');
    expect(() => placeKey({ data: 'a=1&clientOrderId=K2' }, body, 'K1', 'op')).toThrow(ConfigurationError);
  });

  it('sets a query parameter and refuses a conflicting one', () => {
    expect(placeKey({ params: { symbol: 'X' } }, query, 'K1', 'op').params).toEqual({ symbol: 'X', newClientOrderId: 'K1' });
    expect(() => placeKey({ params: { newClientOrderId: 'K2' } }, query, 'K1', 'op')).toThrow(ConfigurationError);
  });

  it('refuses a body it cannot place a field in, naming where', () => {
    const error = (() => {
      try {
        placeKey({ data: Buffer.from('x') }, body, 'K1', 'order.create');
      } catch (e) {
        return e as ConfigurationError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.path).toBe('operations.order.create.request().data');
    expect(error?.received).toBe('an instance of Buffer');
  });
});

describe('config.intentkey, as interceptors see it', () => {
  async function seenBy(): Promise<{ inInterceptor: unknown[]; atAdapter: unknown[] }> {
    const { createIntentClient, ietfIdempotencyKey, MemoryLedger } = await import('../../../src/index.js');
    const { default: axios } = await import('axios');
    const atAdapter: unknown[] = [];
    const http = axios.create({
      baseURL: 'http://venue.test',
      adapter: async (config) => {
        atAdapter.push(config.intentkey);
        return { data: { id: 1 }, status: 200, statusText: 'OK', headers: {}, config, request: {} };
      },
    });
    const inInterceptor: unknown[] = [];
    http.interceptors.request.use((config) => {
      inInterceptor.push(config.intentkey);
      return config;
    });
    const client = createIntentClient(http, { venue: ietfIdempotencyKey, ledger: new MemoryLedger() });
    const place = client.operation('order.create', { request: (o: { qty: number }) => ({ method: 'POST', url: '/orders', data: o }) });
    await place({ qty: 1 }, { businessId: 'meta-1' });
    await client.close();
    return { inInterceptor, atAdapter };
  }

  it('is one frozen object from the interceptors to the transport: axios passes it on without a copy', async () => {
    const { inInterceptor, atAdapter } = await seenBy();
    expect(inInterceptor).toHaveLength(1);
    const meta = inInterceptor[0] as Record<string, unknown>;
    expect(meta).toMatchObject({ operation: 'order.create', attempt: 1, purpose: 'send' });
    for (const field of ['intentId', 'key', 'venueKey', 'correlationId']) expect(typeof meta[field]).toBe('string');
    // axios deep-copies plain objects found in a request config; this one reaches the
    // transport as the very object the interceptor saw, and nobody can change it.
    expect(atAdapter[0]).toBe(meta);
    expect(Object.isFrozen(meta)).toBe(true);
    expect(() => {
      meta.attempt = 2;
    }).toThrow(TypeError);
    // Reads as plain data: spreads and JSON keep every field.
    expect(JSON.parse(JSON.stringify(meta))).toEqual({ ...meta });
    expect(Object.keys(meta)).toEqual(['intentId', 'operation', 'key', 'venueKey', 'attempt', 'purpose', 'correlationId']);
  });
});
