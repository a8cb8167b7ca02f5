import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { deribit } from '../../../src/venues/deribit.js';
import { defineVenue } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Deribit's JSON-RPC error envelope (HTTP 400 unless stated otherwise). */
function rpcError(code: number, message: string): unknown {
  return { jsonrpc: '2.0', id: 42, error: { code, message }, testnet: false, usIn: 1, usOut: 2, usDiff: 1 };
}

// Codes and names from the classic Deribit list (as mapped in ccxt deribit.ts) and the
// newer docs.deribit.com table. Outcomes that say "not executed" are decided by name;
// a bare number from either table stays unknown unless both tables agree on it.
const cases: readonly Case[] = [
  {
    label: 'order placed (JSON-RPC result)',
    source: 'Deribit API v2 private/buy response (order, trades)',
    status: 200,
    body: { jsonrpc: '2.0', id: 42, result: { order: { order_id: 'ETH-584849853', label: 'x', order_state: 'filled' }, trades: [] } },
    expected: { kind: 'success' },
  },
  {
    label: 'too_many_requests by name under another number',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) too_many_requests',
    status: 429,
    body: rpcError(10999, 'too_many_requests'),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: '10028 by number (both tables agree)',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10028; docs.deribit.com/articles/errors Rate Limit Errors 10028 too_many_requests',
    status: 400,
    body: rpcError(10028, 'rate limited'),
    expected: { kind: 'rateLimited', scope: 'venue', venueCode: '10028' },
  },
  {
    label: 'matching_engine_queue_full by name',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10047 matching_engine_queue_full',
    status: 400,
    body: rpcError(10047, 'matching_engine_queue_full'),
    expected: { kind: 'rateLimited' },
  },
  { label: 'retry by name', source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10040 retry', status: 400, body: rpcError(1, 'retry'), expected: { kind: 'retry' } },
  {
    label: 'system_maintenance by name',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 11051 system_maintenance',
    status: 400,
    body: rpcError(11051, 'system_maintenance'),
    expected: { kind: 'retry' },
  },
  {
    label: '10041 without its name is not read as settlement_in_progress: unknown',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10041 settlement_in_progress (number alone no longer trusted; numbering conflict in docs.deribit.com/articles/errors )',
    status: 200,
    body: rpcError(10041, 'settlement'),
    expected: { kind: 'unknown', venueCode: '10041' },
  },
  {
    label: 'internal_server_error by name under a 4xx (would be fatal without the rule)',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 11094 internal_server_error',
    status: 400,
    body: rpcError(2, 'internal_server_error'),
    expected: { kind: 'unknown' },
  },
  {
    label: '13888 timed_out by number under a 4xx',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 13888 timed_out (secondary source)',
    status: 400,
    body: rpcError(13888, 'timeout'),
    expected: { kind: 'unknown', venueCode: '13888' },
  },
  { label: 'unauthorized by name (expired token)', source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 13009 unauthorized', status: 400, body: rpcError(3, 'unauthorized'), expected: { kind: 'resign' } },
  {
    label: 'invalid_token with "token has expired" (newer table)',
    source: 'docs.deribit.com/articles/errors Error Response Format example and Token Errors 13009 invalid_token',
    status: 400,
    body: { jsonrpc: '2.0', id: 42, error: { code: 13009, message: 'invalid_token', data: { reason: 'token has expired', param: 'access_token' } } },
    expected: { kind: 'resign', venueCode: '13009' },
  },
  {
    label: '10000 without its name is not re-signed (the 4xx decides: fatal)',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10000 authorization_required (number alone no longer trusted)',
    status: 400,
    body: rpcError(10000, 'auth'),
    expected: { kind: 'fatal' },
  },
  {
    label: 'not_enough_funds inside HTTP 200 (would be unknown without the rule)',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 10009 not_enough_funds',
    status: 200,
    body: rpcError(4, 'not_enough_funds'),
    expected: { kind: 'fatal' },
  },
  {
    label: 'insufficient_funds (newer table name) inside HTTP 200',
    source: 'docs.deribit.com/articles/errors Authentication Errors 10002 insufficient_funds',
    status: 200,
    body: rpcError(10002, 'insufficient_funds'),
    expected: { kind: 'fatal' },
  },
  {
    label: '10009 under the newer name invalid_argument is fatal too',
    source: 'docs.deribit.com/articles/errors 10009 invalid_argument',
    status: 200,
    body: rpcError(10009, 'invalid_argument'),
    expected: { kind: 'fatal', venueCode: '10009' },
  },
  {
    label: '11054 by number alone inside HTTP 200 stays unknown',
    source: 'classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) 11054 post_only_reject (number alone no longer trusted)',
    status: 200,
    body: rpcError(11054, 'x'),
    expected: { kind: 'unknown' },
  },
  {
    label: 'JSON-RPC -32602 Invalid params',
    source: 'JSON-RPC 2.0 specification §5.1 -32602; classic Deribit error list (ccxt/ccxt ts/src/deribit.ts exceptions) -32602',
    status: 200,
    body: rpcError(-32602, 'Invalid params'),
    expected: { kind: 'fatal', venueCode: '-32602' },
  },
  { label: 'a 502 from the gateway', source: 'negative control: no Deribit body; GENERIC_RULES 5xx', status: 502, body: '', expected: { kind: 'unknown' } },
];

describe('deribit error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(deribit, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('decides by name before number when the numbering conflicts', () => {
    // 10009 is not_enough_funds in the classic list and invalid_argument in the newer one; a name says otherwise and wins.
    expect(classifyResponse(deribit, respond(400, rpcError(10009, 'timed_out')), NOW).kind).toBe('unknown');
  });

  it('keeps a source note on every rule', () => {
    for (const rule of deribit.errors) expect(rule.note).toMatch(/deribit/i);
  });
});

describe('deribit profile', () => {
  it('sends label as a UUID within 64 characters', () => {
    expect(deribit.key).toMatchObject({ placement: 'query', field: 'label' });
    const format = deribit.key.format;
    for (const key of [
      encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', format),
      encodeVenueKey('3b241101-e2bb-4255-8caf-4136c566a962', format),
      encodeVenueKey('k'.repeat(255), format),
    ]) {
      expect(checkVenueKey(key, format)).toBeUndefined();
    }
  });

  it('does not deduplicate, and needs currency from the operation to look a label up', () => {
    expect(deribit.dedupe).toEqual({ kind: 'none' });
    expect(deribit.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(deribit.reconcile.lookup).toMatchObject({
      method: 'GET',
      path: '/api/v2/private/get_order_state_by_label',
      keyParam: 'label',
      copyParams: ['currency'],
      foundPath: 'result.0',
    });
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(deribit))).toEqual(deribit);
  });
});

describe('deribit rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(deribit, cases)).toEqual([]);
  });
});

describe('deribit: published limits', () => {
  it('records none: credit pools refilled continuously, not a count per window (reason in the profile source)', () => {
    expect(deribit.rateLimit.limits).toBeUndefined();
  });
});
