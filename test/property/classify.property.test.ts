import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OUTCOME_KINDS,
  classifyResponse,
  classifyTransport,
  isPreWriteFailure,
  readVenueError,
  type Outcome,
  type ResponseFacts,
} from '../../src/classify/index.js';
import { describeTransportError } from '../../src/client/transport-facts.js';
import { binanceSpot, genericVenue, ietfIdempotencyKey, stripe, type VenueProfile } from '../../src/venues/index.js';

const PROFILES: readonly VenueProfile[] = [genericVenue, ietfIdempotencyKey, binanceSpot, stripe];
const NUM_RUNS = 400;

/** Shapes venues really send, plus noise. */
const bodyArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record({ code: fc.oneof(fc.integer(), fc.string(), fc.constantFrom(-2010, -1021, -1003, -1001, -1008, '-2010')), msg: fc.string() }),
  fc.record(
    {
      error: fc.record(
        {
          code: fc.oneof(fc.string(), fc.constantFrom('idempotency_key_in_use', 'rate_limit', 'lock_timeout', 'card_declined')),
          type: fc.constantFrom('idempotency_error', 'api_error', 'card_error', 'invalid_request_error'),
          message: fc.string(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
  fc.string(),
  fc.string().map((s) => JSON.stringify({ code: s, msg: s })),
  fc.constant(null),
  fc.constant(undefined),
  fc.anything(),
);

const headerValueArb = fc.oneof(
  fc.string(),
  fc.nat().map(String),
  fc.double({ min: -1e6, max: 1e12, noNaN: true }).map(String),
  fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toUTCString()),
);
const headersArb = fc.dictionary(
  fc.oneof(fc.constantFrom('retry-after', 'Retry-After', 'RETRY-AFTER', 'x-mbx-used-weight-1m', 'stripe-should-retry'), fc.string()),
  headerValueArb,
);

function facts(status: number, body: unknown, headers: Record<string, string>): ResponseFacts {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, body, header: (name) => lower.get(name.toLowerCase()) };
}

/** Structural checks every outcome must pass, beyond having a known kind. */
function expectWellFormed(outcome: Outcome, status?: number): void {
  expect(OUTCOME_KINDS).toContain(outcome.kind);
  expect(typeof outcome.reason).toBe('string');
  expect(outcome.reason.length).toBeGreaterThan(0);
  if (status !== undefined) expect(outcome.httpStatus).toBe(status);
  if (outcome.venueMessage !== undefined) expect(outcome.venueMessage.length).toBeLessThanOrEqual(200);
  if (outcome.kind === 'rateLimited') {
    expect(['request', 'venue']).toContain(outcome.scope);
    if (outcome.retryAfterMs !== undefined) {
      expect(Number.isFinite(outcome.retryAfterMs)).toBe(true);
      expect(outcome.retryAfterMs).toBeGreaterThanOrEqual(0);
    }
  }
  if (outcome.kind === 'conflict') expect(['inProgress', 'duplicate']).toContain(outcome.conflict);
}

describe('classifyResponse is total', () => {
  it.each(PROFILES.map((p) => [p.name, p] as const))('for %s: one well-formed outcome for any status, body and headers', (_, profile) => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), bodyArb, headersArb, fc.integer({ min: 0, max: 4e12 }), (status, body, headers, nowMs) => {
        expectWellFormed(classifyResponse(profile, facts(status, body, headers), nowMs), status);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never throws for statuses outside 100..599 either', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROFILES), fc.oneof(fc.integer(), fc.double()), bodyArb, (profile, status, body) => {
        expectWellFormed(classifyResponse(profile, facts(status, body, {}), 0));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('calls a 2xx without an error code a success for every shipped profile', () => {
    // None of the shipped profiles has a rule naming a 2xx status.
    fc.assert(
      fc.property(fc.constantFrom(...PROFILES), fc.integer({ min: 200, max: 299 }), bodyArb, (profile, status, body) => {
        fc.pre(readVenueError(profile, body).code === undefined);
        expect(classifyResponse(profile, facts(status, body, {}), 0).kind).toBe('success');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never calls a 5xx success, fatal or a plain retry (it may have executed)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROFILES), fc.integer({ min: 500, max: 599 }), bodyArb, headersArb, (profile, status, body, headers) => {
        const { kind } = classifyResponse(profile, facts(status, body, headers), 0);
        expect(['success', 'fatal', 'retry']).not.toContain(kind);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

const KNOWN_CODES = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_CANCELED',
  'ERR_NETWORK',
  'ERR_BAD_RESPONSE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EHOSTUNREACH',
  'ENETUNREACH',
];
const codeArb = fc.option(fc.oneof(fc.constantFrom(...KNOWN_CODES), fc.string()), { nil: undefined });
const writtenArb = fc.constantFrom(true, false, undefined);
const syscallArb = fc.option(fc.constantFrom('connect', 'getaddrinfo', 'read', 'write'), { nil: undefined });

describe('classifyTransport is total and safe', () => {
  it('gives retry or unknown for any code, write state and response state', () => {
    fc.assert(
      fc.property(codeArb, writtenArb, fc.boolean(), syscallArb, (code, requestWritten, responseStarted, syscall) => {
        const outcome = classifyTransport({ code, requestWritten, responseStarted, syscall });
        expectWellFormed(outcome);
        expect(['retry', 'unknown']).toContain(outcome.kind);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never calls a provably unwritten request unknown (unless a response had started)', () => {
    fc.assert(
      fc.property(codeArb, syscallArb, (code, syscall) => {
        fc.pre(!isPreWriteFailure(code, syscall));
        expect(classifyTransport({ code, requestWritten: false, responseStarted: false, syscall }).kind).not.toBe('unknown');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never calls a possibly written request retry unless the code proves it never left', () => {
    fc.assert(
      fc.property(codeArb, fc.constantFrom(true, undefined), fc.boolean(), syscallArb, (code, requestWritten, responseStarted, syscall) => {
        fc.pre(!isPreWriteFailure(code, syscall));
        expect(classifyTransport({ code, requestWritten, responseStarted, syscall }).kind).not.toBe('retry');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never calls a cut response retry', () => {
    fc.assert(
      fc.property(codeArb, writtenArb, syscallArb, (code, requestWritten, syscall) => {
        expect(classifyTransport({ code, requestWritten, responseStarted: true, syscall }).kind).toBe('unknown');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('describeTransportError never throws and its facts always classify', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), (error) => {
        const described = describeTransportError(error);
        expect([true, false, undefined]).toContain(described.requestWritten);
        expect(typeof described.responseStarted).toBe('boolean');
        expectWellFormed(classifyTransport(described));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
