import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ConfigurationError, createIntentClient, isConfigurationError, MemoryLedger, type IntentClientOptions } from '../../../src/index.js';
import { LazyFileLedger } from '../../../src/stores/file/default-ledger.js';
import { testExchange } from '../../helpers/profiles.js';

function configError(options: unknown): ConfigurationError {
  try {
    createIntentClient(axios.create(), options as IntentClientOptions);
  } catch (error) {
    if (isConfigurationError(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('createIntentClient options', () => {
  it.each([
    [{ venue: testExchange, retry: { maxAttempts: 0 } }, 'options.retry.maxAttempts', 'a number >= 1', '0'],
    [{ venue: testExchange, retry: { maxAttempts: 1.5 } }, 'options.retry.maxAttempts', 'an integer', '1.5'],
    [{ venue: testExchange, retry: { jitter: 'random' } }, 'options.retry.jitter', 'one of "full", "equal", "decorrelated", "none"', '"random"'],
    [{ venue: testExchange, retry: { baseDelayMs: 500, maxDelayMs: 100 } }, 'options.retry.maxDelayMs', 'a number >= baseDelayMs (500)', '100'],
    [{ venue: testExchange, retry: { maxDelayMs: 100 } }, 'options.retry.maxDelayMs', 'a number >= baseDelayMs (200)', '100'],
    [{ venue: testExchange, parked: { baseDelayMs: 5000, maxDelayMs: 1000 } }, 'options.parked.maxDelayMs', 'a number >= baseDelayMs (5000)', '1000'],
    [{ venue: testExchange, attemptTimeoutMs: -1 }, 'options.attemptTimeoutMs', 'a number >= 1', '-1'],
    [{ venue: testExchange, leaseMs: 2 ** 31 }, 'options.leaseMs', 'a number <= 2147483647', '2147483648'],
    [{ venue: testExchange, scope: '' }, 'options.scope', 'a string of at least 1 character', '""'],
    [{ venue: testExchange, keys: { strategy: 'derived', secret: 'short' } }, 'options.keys.secret', 'a string of at least 16 characters', 'a string (not shown)'],
    [{ venue: testExchange, retry: { pauseAtUsage: 0 } }, 'options.retry.pauseAtUsage', 'a number > 0', '0'],
    [{ venue: testExchange, correlationHeader: 'x id' }, 'options.correlationHeader', "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)", '"x id"'],
    [{ venue: testExchange, on: { outcome: 1 } }, 'options.on.outcome', 'a function', '1'],
    [{ venue: testExchange, retry: { jitterr: 'full' } }, 'options.retry.jitterr', 'no such option (check the spelling)', '"full"'],
    [{ venue: testExchange, ledger: {} }, 'options.ledger', 'an object with methods create, get, claim, transition, release, listResumable, close', 'an object'],
    [{ venue: testExchange, clock: Date }, 'options.clock', 'an object with methods now', 'a function'],
  ])('names the option, the expectation and what was given: %#', (options, path, expected, received) => {
    const error = configError(options);
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect({ path: error.path, expected: error.expected, received: error.received }).toEqual({ path, expected, received });
    expect(error.message).toContain(path);
  });

  it('never shows a bad secret, not even its length', () => {
    const error = configError({ venue: testExchange, keys: { strategy: 'derived', secret: 'hunter2-short' } });
    expect(error.path).toBe('options.keys.secret');
    expect(error.message).not.toContain('hunter2');
    expect(error.received).toBe('a string (not shown)');
    expect(error.message).not.toContain('13');
  });

  it('rejects unknown options by name (typos must not be silently ignored)', () => {
    const error = configError({ venue: testExchange, retries: 3 });
    expect(error.path).toBe('options.retries');
  });

  it('requires a venue', () => {
    expect(configError({ ledger: new MemoryLedger() }).path).toBe('options.venue');
    expect(configError(undefined).path).toBe('options');
  });

  it('validates the venue profile itself', () => {
    const error = configError({ venue: { ...testExchange, key: { ...testExchange.key, format: { ...testExchange.key.format, maxLength: 0 } } } });
    expect(error.path).toMatch(/^venue\.key\.format\.maxLength$|maxLength/);
  });

  it('refuses a key strategy whose keys can never fit the venue format', () => {
    const error = configError({ venue: testExchange, keys: { strategy: 'nanoid' } });
    expect(error.path).toBe('options.keys.strategy');
  });

  it('refuses a non-axios first argument', () => {
    expect(() => createIntentClient({} as never, { venue: testExchange })).toThrow(ConfigurationError);
  });

  it('defaults to a file ledger in ./.intentkey, opened lazily (no I/O at construction)', () => {
    const client = createIntentClient(axios.create(), { venue: testExchange });
    const ledger = client.ledger;
    if (!(ledger instanceof LazyFileLedger)) throw new Error('expected the default LazyFileLedger');
    expect(ledger.options.dir).toBe(join(process.cwd(), '.intentkey'));
    expect(client.ledger.capabilities.durable).toBe(true);
  });

  it('accepts a number as shorthand for retry.maxAttempts', () => {
    expect(() => createIntentClient(axios.create(), { venue: testExchange, retry: 3 })).not.toThrow();
  });

  it('refuses a duplicate operation name and a malformed definition', () => {
    const client = createIntentClient(axios.create(), { venue: testExchange });
    client.operation('a.b', { request: () => ({}) });
    expect(() => client.operation('a.b', { request: () => ({}) })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_DUPLICATE_OPERATION' }));
    expect(() => client.operation('bad name!', { request: () => ({}) })).toThrow(ConfigurationError);
    expect(() => client.operation('c', { request: 'nope' } as never)).toThrow(expect.objectContaining({ path: 'operations.c.request' }));
  });

  it('validates call options before anything is written', async () => {
    const ledger = new MemoryLedger();
    const op = createIntentClient(axios.create(), { venue: testExchange, ledger }).operation('x', { request: () => ({}) });
    expect(() => op({}, { businessId: '' })).toThrow(expect.objectContaining({ path: 'call.businessId' }));
    expect(await ledger.listResumable()).toEqual([]);
  });
});
