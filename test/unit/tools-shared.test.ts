/**
 * The small pieces of `intentkey/tools` that the command and the docs site's playgrounds
 * both print with: the request a key travels in, the designer's verdict, response
 * headers as typed, an outcome in words, the policy summaries and a venue's retry facts.
 * Expected values are written out by hand from the pieces' definitions.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import {
  designKeys,
  designVerdict,
  fleetLoad,
  fleetSummary,
  giveUpSummary,
  keyRequestExample,
  outcomeDetails,
  outcomeLabel,
  parseHeaderList,
  policySource,
  policyTimeline,
  policyVenueFacts,
  resolveRetryPolicy,
} from '../../src/tools/index.js';
import { binanceSpot, stripe } from '../../src/venues/index.js';
import type { KeySpec } from '../../src/venues/profile.js';

const verbatim = { encoding: 'verbatim', maxLength: 64 } as const;

describe('keyRequestExample', () => {
  const cases: readonly { name: string; spec: KeySpec; key: string; options?: Parameters<typeof keyRequestExample>[2]; expected: string }[] = [
    {
      name: 'a header',
      spec: { placement: 'header', field: 'Idempotency-Key', format: verbatim },
      key: 'K1',
      expected: 'POST /<operation path> HTTP/1.1\nIdempotency-Key: K1\n',
    },
    {
      name: 'a query parameter, percent-encoded',
      spec: { placement: 'query', field: 'newClientOrderId', format: verbatim },
      key: 'a b/c',
      expected: 'POST /<operation path>?newClientOrderId=a%20b%2Fc HTTP/1.1\n',
    },
    {
      name: 'a nested JSON body field',
      spec: { placement: 'body', field: 'order.clientId', format: verbatim },
      key: 'K2',
      expected: 'POST /<operation path> HTTP/1.1\nContent-Type: application/json\n\n{\n  "order": {\n    "clientId": "K2"\n  }\n}\n',
    },
    {
      name: 'a numeric JSON body field',
      spec: { placement: 'body', field: 'cid', format: { encoding: 'integer', maxLength: 14 }, valueType: 'number' },
      key: '12345',
      expected: 'POST /<operation path> HTTP/1.1\nContent-Type: application/json\n\n{\n  "cid": 12345\n}\n',
    },
    {
      name: 'a header with a body echo, as a form',
      spec: { placement: 'header', field: 'Idempotency-Key', format: verbatim, echo: { placement: 'body', field: 'metadata.intentkey_key' } },
      key: 'K3',
      options: { body: 'form', method: 'PUT', path: '/v1/things' },
      expected: 'PUT /v1/things HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\nIdempotency-Key: K3\n\nmetadata[intentkey_key]=K3\n',
    },
    {
      name: 'a body field with a body echo, as JSON (one object)',
      spec: { placement: 'body', field: 'clientOid', format: verbatim, echo: { placement: 'body', field: 'meta.key' } },
      key: 'K4',
      expected: 'POST /<operation path> HTTP/1.1\nContent-Type: application/json\n\n{\n  "clientOid": "K4",\n  "meta": {\n    "key": "K4"\n  }\n}\n',
    },
    {
      name: 'a query parameter with a query echo',
      spec: { placement: 'query', field: 'id', format: verbatim, echo: { placement: 'query', field: 'tag' } },
      key: 'K5',
      expected: 'POST /<operation path>?id=K5&tag=K5 HTTP/1.1\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(keyRequestExample(c.spec, c.key, c.options)).toBe(c.expected);
    });
  }

  it("Stripe's request carries the header and the metadata echo", () => {
    const text = keyRequestExample(stripe.key, 'VK', { body: 'form' });
    expect(text).toContain(`${stripe.key.field}: VK\n`);
    expect(text).toContain('[intentkey_key]=VK');
  });
});

describe('designVerdict', () => {
  const env = { random: new SeededRandom(3), now: Date.UTC(2026, 0, 1) };
  it('is null without a venue, and says fit or not with one', () => {
    expect(designVerdict(designKeys({}, env))).toBeNull();
    expect(designVerdict(designKeys({ venue: binanceSpot }, env))).toBe("the key fits binance-spot's key format");
    expect(designVerdict(designKeys({ venue: binanceSpot, count: 3 }, env))).toBe("all 3 keys fit binance-spot's key format");
    expect(designVerdict(designKeys({ venue: binanceSpot, keys: ['bad key!'] }, env))).toBe("the key does not fit binance-spot's key format");
    expect(designVerdict(designKeys({ venue: binanceSpot, keys: ['ok-1', 'bad key!', 'x'.repeat(80)] }, env))).toBe("2 of 3 keys do not fit binance-spot's key format");
  });
});

describe('parseHeaderList', () => {
  it('reads NAME: VALUE and NAME=VALUE, lower-cases names, trims values, the last one wins', () => {
    expect(parseHeaderList(['Retry-After: 30', 'transient-error=true', ' X-A :  1 ', 'x-a: 2'])).toEqual({ 'retry-after': '30', 'transient-error': 'true', 'x-a': '2' });
    expect(parseHeaderList([])).toEqual({});
    expect(parseHeaderList(['Empty:'])).toEqual({ empty: '' });
  });

  it('refuses an item without a name or a separator, naming its position', () => {
    for (const [items, path] of [
      [['no-separator'], 'headers[0]'],
      [['ok: 1', ': value'], 'headers[1]'],
      [['bad name: 1'], 'headers[0]'],
    ] as const) {
      let error: unknown;
      try {
        parseHeaderList(items);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).path).toBe(path);
      expect((error as ConfigurationError).expected).toBe('NAME: VALUE (or NAME=VALUE)');
    }
  });
});

describe('outcomeLabel and outcomeDetails', () => {
  it('names a conflict with its kind and a rate limit with its scope and wait', () => {
    expect(outcomeLabel({ kind: 'unknown', reason: 'x' } as never)).toBe('unknown');
    expect(outcomeLabel({ kind: 'conflict', conflict: 'duplicate' } as never)).toBe('conflict (duplicate)');
    expect(outcomeDetails({ kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 } as never)).toEqual(['scope venue', 'wait 2 min']);
    expect(outcomeDetails({ kind: 'rateLimited', scope: 'request' } as never)).toEqual(['scope request']);
    expect(outcomeDetails({ kind: 'retry' } as never)).toEqual([]);
  });
});

describe('policy summaries and venue facts', () => {
  it('giveUpSummary: the spread of the give-up time, and the deadline share when it stops calls', () => {
    const none = policyTimeline(resolveRetryPolicy({ jitter: 'none', baseDelayMs: 100, maxAttempts: 3 }), { draws: 10 });
    // No jitter: waits 100 then 200, so every call ends at 300 ms.
    expect(giveUpSummary(none)).toBe('A call that never succeeds ends after 300 ms (p50), 300 ms (p95), 300 ms (max).');
    const cut = policyTimeline(resolveRetryPolicy({ jitter: 'none', baseDelayMs: 100, maxAttempts: 5, deadlineMs: 350 }), { draws: 10 });
    // Waits 100, 200 (at 300), then 400 would reach 700 >= 350: stopped before attempt 4.
    expect(giveUpSummary(cut)).toBe('A call that never succeeds ends after 300 ms (p50), 300 ms (p95), 300 ms (max); 100.0% are stopped by the deadline before attempt 5.');
  });

  it('fleetSummary: setup, model, requests and outcome', () => {
    const fleet = fleetLoad(resolveRetryPolicy({ jitter: 'none', baseDelayMs: 1000, maxAttempts: 3, deadlineMs: 10_000 }), { clients: 10, outageMs: 1500 });
    // Every client: sends at 0 (fails), 1000 (fails), 3000 (succeeds).
    const s = fleetSummary(fleet);
    expect(s.title).toBe('Fleet: 10 clients, venue failing everything for 1.50 s, first sends all at 0');
    expect(s.requests).toBe('requests: 30 (3.00 per client; without retries 10); peak 10 in the 1.00 s from 0 ms (10/s)');
    expect(s.outcome).toBe('outcome: 10 succeeded after the outage, 0 ran out of attempts, 0 stopped at the deadline');
    expect(s.model).toContain('no Retry-After');
  });

  it("policyVenueFacts and policySource: what a venue says about retries, and that it sets none", () => {
    expect(policyVenueFacts(stripe)).toEqual({
      name: 'stripe',
      retryAfterHeaders: stripe.rateLimit.retryAfterHeaders,
      dedupe: stripe.dedupe.kind,
      settleDelayMs: stripe.reconcile.settleDelayMs,
    });
    expect(policySource(undefined)).toEqual({ venue: null, note: 'createIntentClient defaults, overridden by the flags given' });
    expect(policySource(stripe).note).toMatch(/^venue profiles carry no retry settings/);
  });
});
