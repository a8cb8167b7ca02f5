import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { defineVenue } from '../../../src/venues/index.js';
import { kraken } from '../../../src/venues/kraken.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Kraken answers every API error as HTTP 200 with the `{ error: [...] }` envelope. */
function krakenError(message: string): { error: string[] } {
  return { error: [message] };
}

const NOW_S = Math.floor(NOW / 1000);

// Error strings as listed in docs.kraken.com (rate limits guide, errors guide) and the
// Kraken support article "API error messages"; the envelope is the documented one.
const cases: readonly Case[] = [
  {
    label: 'AddOrder accepted (empty error array)',
    source: 'docs.kraken.com rest-api/add-order.md response example',
    status: 200,
    body: { error: [], result: { descr: { order: 'buy 1.25 XBTUSD @ limit 27500.0' }, txid: ['OU22CG-KLAF2-FWUDD7'] } },
    expected: { kind: 'success' },
  },
  {
    label: 'EService: Throttled carries the instant to retry at (spot REST rate limits guide)',
    source: 'docs.kraken.com guides/spot-rest-ratelimits Errors (EService: Throttled: <unix time>)',
    status: 200,
    body: krakenError(`EService: Throttled: ${String(NOW_S + 30)}`),
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 },
  },
  {
    label: 'EService:Throttled without the space',
    source: 'docs.kraken.com guides/spot-rest-ratelimits Errors (same string, spacing as other E-strings)',
    status: 200,
    body: krakenError(`EService:Throttled: ${String(NOW_S + 5)}`),
    expected: { kind: 'rateLimited', retryAfterMs: 5_000 },
  },
  {
    label: 'EGeneral:Temporary lockout waits the typical 15 minutes',
    source: 'docs.kraken.com api/docs/guides/spot-errors EGeneral:Temporary lockout',
    status: 200,
    body: krakenError('EGeneral:Temporary lockout'),
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 900_000 },
  },
  {
    label: 'EAPI:Rate limit exceeded (REST call counter)',
    source: 'docs.kraken.com guides/spot-rest-ratelimits Errors EAPI:Rate limit exceeded',
    status: 200,
    body: krakenError('EAPI:Rate limit exceeded'),
    expected: { kind: 'rateLimited', scope: 'venue', venueCode: 'EAPI:Rate limit exceeded' },
  },
  {
    label: 'EOrder:Rate limit exceeded (matching-engine counter), ahead of the EOrder fatal rule',
    source: 'docs.kraken.com guides/spot-rest-ratelimits Errors EOrder:Rate limit exceeded',
    status: 200,
    body: krakenError('EOrder:Rate limit exceeded'),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: 'EGeneral:Too many requests',
    source: 'support.kraken.com 360001491786 API error messages EGeneral:Too many requests',
    status: 200,
    body: krakenError('EGeneral:Too many requests'),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  { label: 'EAPI:Invalid nonce', source: 'docs.kraken.com api/docs/guides/spot-errors EAPI:Invalid nonce', status: 200, body: krakenError('EAPI:Invalid nonce'), expected: { kind: 'resign' } },
  {
    label: 'EService:Market in cancel_only mode: refused, resend later',
    source: 'docs.kraken.com api/docs/guides/spot-errors EService:Market in cancel_only mode',
    status: 200,
    body: krakenError('EService:Market in cancel_only mode'),
    expected: { kind: 'retry' },
  },
  {
    label: 'EService:Market in post_only mode',
    source: 'docs.kraken.com api/docs/guides/spot-errors EService:Market in post_only mode',
    status: 200,
    body: krakenError('EService:Market in post_only mode'),
    expected: { kind: 'retry' },
  },
  { label: 'EService:Unavailable (no rule: the catch-all keeps it unknown)', source: 'docs.kraken.com api/docs/guides/spot-errors EService:Unavailable', status: 200, body: krakenError('EService:Unavailable'), expected: { kind: 'unknown' } },
  { label: 'EService:Busy', source: 'support.kraken.com 360001491786 API error messages EService:Busy', status: 200, body: krakenError('EService:Busy'), expected: { kind: 'unknown' } },
  {
    label: 'EService:Deadline elapsed',
    source: 'docs.kraken.com api/docs/guides/spot-errors EService:Deadline elapsed',
    status: 200,
    body: krakenError('EService:Deadline elapsed'),
    expected: { kind: 'unknown', venueCode: 'EService:Deadline elapsed' },
  },
  { label: 'EGeneral:Internal error', source: 'docs.kraken.com api/docs/guides/spot-errors EGeneral:Internal error[:<code>]', status: 200, body: krakenError('EGeneral:Internal error'), expected: { kind: 'unknown' } },
  {
    label: 'a cl_ord_id held by an open order (text unverified; any "duplicate" wording)',
    source: 'docs.kraken.com guides/spot-clordid (uniqueness across open orders; rejection text not published)',
    status: 200,
    body: krakenError('EOrder:Duplicate cl_ord_id'),
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  { label: 'EAPI:Invalid key', source: 'docs.kraken.com api/docs/guides/spot-errors EAPI:Invalid key', status: 200, body: krakenError('EAPI:Invalid key'), expected: { kind: 'fatal' } },
  { label: 'EAPI:Invalid signature', source: 'docs.kraken.com api/docs/guides/spot-errors EAPI:Invalid signature', status: 200, body: krakenError('EAPI:Invalid signature'), expected: { kind: 'fatal' } },
  { label: 'EGeneral:Permission denied', source: 'docs.kraken.com api/docs/guides/spot-errors EGeneral:Permission denied', status: 200, body: krakenError('EGeneral:Permission denied'), expected: { kind: 'fatal' } },
  {
    label: 'EAccount:Invalid permissions (account restriction)',
    source: 'support.kraken.com 360001491786 API error messages EAccount:Invalid permissions',
    status: 200,
    body: krakenError('EAccount:Invalid permissions:USDT trading restricted for AT.'),
    expected: { kind: 'fatal' },
  },
  { label: 'EOrder:Insufficient funds', source: 'docs.kraken.com api/docs/guides/spot-errors EOrder:Insufficient funds', status: 200, body: krakenError('EOrder:Insufficient funds'), expected: { kind: 'fatal' } },
  {
    label: 'EOrder:Order minimum not met',
    source: 'docs.kraken.com api/docs/guides/spot-errors EOrder:Order minimum not met',
    status: 200,
    body: krakenError('EOrder:Order minimum not met'),
    expected: { kind: 'fatal', venueMessage: 'EOrder:Order minimum not met' },
  },
  {
    label: 'EGeneral:Invalid arguments with detail',
    source: 'docs.kraken.com api/docs/guides/spot-errors EGeneral:Invalid arguments',
    status: 200,
    body: krakenError('EGeneral:Invalid arguments:volume'),
    expected: { kind: 'fatal' },
  },
  { label: 'EQuery:Unknown asset pair', source: 'docs.kraken.com api/docs/guides/spot-errors EQuery:Unknown asset pair', status: 200, body: krakenError('EQuery:Unknown asset pair'), expected: { kind: 'fatal' } },
  {
    label: 'an unlisted E-string inside HTTP 200 stays unknown (generic catch-all)',
    source: 'negative control: not in docs.kraken.com spot-errors',
    status: 200,
    body: krakenError('EGeneral:Something new'),
    expected: { kind: 'unknown', venueCode: 'EGeneral:Something new' },
  },
  { label: 'Cloudflare 520 without a Kraken body', source: 'negative control: no Kraken body; GENERIC_RULES 5xx', status: 520, body: '<html>error code: 520</html>', expected: { kind: 'unknown' } },
];

describe('kraken error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(kraken, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('prefers a Retry-After header over the instant in the message', () => {
    const outcome = classifyResponse(
      kraken,
      respond(200, krakenError(`EService: Throttled: ${String(NOW_S + 30)}`), { 'Retry-After': '3' }),
      NOW,
    );
    expect(outcome).toMatchObject({ kind: 'rateLimited', retryAfterMs: 3_000 });
  });

  it('keeps a source note on every rule', () => {
    for (const rule of kraken.errors) expect(rule.note).toMatch(/kraken/i);
  });
});

describe('kraken profile', () => {
  it('sends cl_ord_id in the form body as a dashed UUID', () => {
    expect(kraken.key).toMatchObject({ placement: 'body', field: 'cl_ord_id' });
    const format = kraken.key.format;
    const ulid = encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', format);
    const uuid = encodeVenueKey('3B241101-E2BB-4255-8CAF-4136C566A962', format);
    const long = encodeVenueKey('k'.repeat(255), format);
    expect(uuid).toBe('3b241101-e2bb-4255-8caf-4136c566a962');
    for (const key of [ulid, uuid, long]) expect(checkVenueKey(key, format)).toBeUndefined();
    expect(checkVenueKey('arb-20240509-00010', format)).toBeDefined(); // free text is not what we send
  });

  it('looks open orders up by cl_ord_id, then closed orders, and does not trust a miss', () => {
    expect(kraken.dedupe).toEqual({ kind: 'openOrders' });
    expect(kraken.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(kraken.reconcile.lookup).toMatchObject({
      method: 'POST',
      path: '/0/private/OpenOrders',
      keyIn: 'body',
      keyParam: 'cl_ord_id',
      foundPath: 'result.open',
    });
    expect(kraken.reconcile.fallbackLookups).toHaveLength(1);
    expect(kraken.reconcile.fallbackLookups?.[0]).toMatchObject({
      method: 'POST',
      path: '/0/private/ClosedOrders',
      keyIn: 'body',
      keyParam: 'cl_ord_id',
      foundPath: 'result.closed',
    });
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(kraken))).toEqual(kraken);
  });
});

describe('kraken rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(kraken, cases)).toEqual([]);
  });
});

describe('kraken: published limits', () => {
  it('records none: decaying counters, not a count per window (reason in the profile source)', () => {
    expect(kraken.rateLimit.limits).toBeUndefined();
  });
});
