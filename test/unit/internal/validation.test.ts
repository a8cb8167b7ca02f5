import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError } from '../../../src/errors/index.js';
import { describeValue, parseOptions, type ParseOptionsSettings } from '../../../src/internal/validation.js';

/** The ConfigurationError `parseOptions` throws, as plain fields. */
function refusal(schema: z.ZodType, value: unknown, root = 'options', settings?: ParseOptionsSettings): { path: string; expected: string; received: string; message: string } {
  try {
    parseOptions(schema, value, root, settings);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    return { path: error.path, expected: error.expected, received: error.received, message: error.message };
  }
  throw new Error('expected a ConfigurationError');
}

const refinedPair = z
  .strictObject({ low: z.number(), high: z.number() })
  .superRefine((v, ctx) => {
    if (v.low > v.high) ctx.addIssue({ code: 'custom', path: ['low'], message: `low <= high (${v.high})` });
  });

describe('parseOptions: one zod issue kind per row, worded once', () => {
  it.each<[kind: string, schema: z.ZodType, value: unknown, path: string, expected: string, received: string]>([
    ['invalid_type', z.object({ a: z.string() }), { a: 5 }, 'options.a', 'a string', '5'],
    ['invalid_type, an article before a vowel', z.object({ a: z.object({}) }), { a: 'x' }, 'options.a', 'an object', '"x"'],
    ['invalid_type of an integer', z.object({ n: z.int() }), { n: 1.5 }, 'options.n', 'an integer', '1.5'],
    ['invalid_type of NaN', z.object({ n: z.number() }), { n: Number.NaN }, 'options.n', 'a finite number', 'NaN'],
    ['invalid_type of Infinity', z.object({ n: z.number() }), { n: Infinity }, 'options.n', 'a finite number', 'Infinity'],
    ['invalid_type of a missing field', z.object({ a: z.boolean() }), {}, 'options.a', 'a boolean (required)', 'undefined'],
    ['invalid_type of the value itself', z.object({}), null, 'options', 'an object', 'null'],
    ['too_small of a number', z.object({ n: z.number().min(1) }), { n: 0 }, 'options.n', 'a number >= 1', '0'],
    ['too_small, exclusive', z.object({ n: z.number().gt(0) }), { n: 0 }, 'options.n', 'a number > 0', '0'],
    ['too_small of a string', z.object({ s: z.string().min(3) }), { s: 'ab' }, 'options.s', 'a string of at least 3 characters', '"ab"'],
    ['too_small of a one-character string', z.object({ s: z.string().min(1) }), { s: '' }, 'options.s', 'a string of at least 1 character', '""'],
    ['too_small of a list', z.object({ l: z.array(z.number()).min(2) }), { l: [1] }, 'options.l', 'a list of at least 2 items', 'an array of length 1'],
    ['too_big of a number', z.object({ n: z.int().max(10) }), { n: 11 }, 'options.n', 'a number <= 10', '11'],
    ['too_big, exclusive', z.object({ n: z.number().lt(1) }), { n: 1 }, 'options.n', 'a number < 1', '1'],
    ['too_big of a string', z.object({ s: z.string().max(2) }), { s: 'abc' }, 'options.s', 'a string of at most 2 characters', '"abc"'],
    ['too_big of an exact length', z.object({ s: z.string().length(2) }), { s: 'abc' }, 'options.s', 'a string of exactly 2 characters', '"abc"'],
    ['invalid_value of an enum', z.object({ e: z.enum(['full', 'none']) }), { e: 'half' }, 'options.e', 'one of "full", "none"', '"half"'],
    ['invalid_value of a literal', z.object({ k: z.literal('keyStore') }), { k: 'x' }, 'options.k', '"keyStore"', '"x"'],
    ['invalid_value of a missing enum', z.object({ e: z.enum(['a', 'b']) }), {}, 'options.e', 'one of "a", "b" (required)', 'undefined'],
    ['unrecognized_keys names the unknown key', z.strictObject({ retry: z.number().optional() }), { retries: 3 }, 'options.retries', 'no such option (check the spelling)', '3'],
    ['invalid_format of a pattern', z.object({ h: z.string().regex(/^[a-z]+$/) }), { h: 'A B' }, 'options.h', 'a string matching /^[a-z]+$/', '"A B"'],
    ['invalid_format with its own message', z.object({ h: z.string().regex(/^\//, { error: 'a path starting with "/"' }) }), { h: 'x' }, 'options.h', 'a path starting with "/"', '"x"'],
    ['custom refinement: its message, the path it names', refinedPair, { low: 5, high: 2 }, 'options.low', 'low <= high (2)', '5'],
    ['custom check without a message', z.object({ f: z.custom((v) => typeof v === 'function') }), { f: 1 }, 'options.f', 'a valid value', '1'],
    ['custom check with a message', z.object({ f: z.custom((v) => typeof v === 'function', { message: 'a function' }) }), { f: 1 }, 'options.f', 'a function', '1'],
    ['union: each branch', z.object({ u: z.union([z.string(), z.int()]) }), { u: true }, 'options.u', 'a string or a number', 'true'],
    ['union with its own message', z.object({ u: z.union([z.string(), z.array(z.string())], { error: 'a code or a list of codes' }) }), { u: 1 }, 'options.u', 'a code or a list of codes', '1'],
    [
      'union of objects: no single expectation',
      z.object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]) }),
      { u: {} },
      'options.u',
      'a value of one of the accepted forms',
      'an object',
    ],
    [
      'discriminated union: the discriminator values',
      z.object({ d: z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b') })]) }),
      { d: { kind: 'c' } },
      'options.d.kind',
      'one of "a", "b"',
      '"c"',
    ],
    ['not_multiple_of', z.object({ n: z.number().multipleOf(5) }), { n: 7 }, 'options.n', 'a multiple of 5', '7'],
    ['an index in a list', z.object({ l: z.array(z.string()) }), { l: ['a', 2] }, 'options.l.1', 'a string', '2'],
  ])('%s', (_, schema, value, path, expected, received) => {
    const error = refusal(schema, value);
    expect({ path: error.path, expected: error.expected, received: error.received }).toEqual({ path, expected, received });
    expect(error.message).toBe(`Invalid option "${path}": expected ${expected}, received ${received}.`);
  });

  it('keeps a message the schema gives over the shared wording', () => {
    expect(refusal(z.object({ s: z.string().min(16, 'a secret of 16 characters or more') }), { s: 'x' }).expected).toBe('a secret of 16 characters or more');
  });

  it('does not add "(required)" to a refinement, which says itself when a field is needed', () => {
    const schema = z.object({ mode: z.string(), param: z.string().optional() }).superRefine((v, ctx) => {
      if (v.mode === 'query' && v.param === undefined) ctx.addIssue({ code: 'custom', path: ['param'], message: 'a parameter name when mode is "query" (required)' });
    });
    expect(refusal(schema, { mode: 'query' })).toMatchObject({ path: 'options.param', expected: 'a parameter name when mode is "query" (required)', received: 'undefined' });
  });

  it('reports the first problem only, in the order of the schema', () => {
    expect(refusal(z.object({ a: z.string(), b: z.string() }), { a: 1, b: 2 }).path).toBe('options.a');
  });

  it('names the value itself by the root, and an empty root adds no dot', () => {
    expect(refusal(z.int().min(1), 0, 'retry').path).toBe('retry');
    expect(refusal(z.object({ a: z.string() }), { a: 1 }, '').path).toBe('a');
  });

  it('describes a secret option by its type, never its content or length', () => {
    const schema = z.object({ keys: z.object({ secret: z.string().min(16) }) });
    const error = refusal(schema, { keys: { secret: 'hunter2' } }, 'options', { secretPaths: ['keys.secret'] });
    expect(error.received).toBe('a string (not shown)');
    expect(error.message).not.toContain('hunter2');
    // Without the setting the same value is shown.
    expect(refusal(schema, { keys: { secret: 'hunter2' } }).received).toBe('"hunter2"');
  });

  it('reads the received value from own properties only', () => {
    const inherited = Object.create({ a: 'from the prototype' }) as object;
    expect(refusal(z.object({ a: z.number() }), inherited)).toMatchObject({ expected: 'a number (required)', received: 'undefined' });
  });

  it('returns the parsed value when it is valid', () => {
    expect(parseOptions(z.object({ a: z.number() }), { a: 1, extra: true }, 'options')).toEqual({ a: 1 });
  });
});

describe('describeValue', () => {
  it.each<[unknown, string]>([
    [undefined, 'undefined'],
    [null, 'null'],
    [0, '0'],
    [-1.5, '-1.5'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [10n, '10n'],
    ['', '""'],
    ['half', '"half"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['x'.repeat(40), `"${'x'.repeat(40)}"`],
    ['x'.repeat(41), 'a string of 41 characters'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    [[1, 2, 3], 'an array of length 3'],
    [{ password: 'p' }, 'an object'],
    [Object.create(null), 'an object'],
    [new Date(0), 'an instance of Date'],
    [Buffer.from('secret'), 'an instance of Buffer'],
    [new (class Pool {
      readonly size = 1;
    })(), 'an instance of Pool'],
  ])('%o -> %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('shows no scalar of a secret, only its type', () => {
    expect(describeValue('hunter2', { secret: true })).toBe('a string (not shown)');
    expect(describeValue(1234, { secret: true })).toBe('a number (not shown)');
    expect(describeValue(undefined, { secret: true })).toBe('undefined');
    expect(describeValue({ a: 1 }, { secret: true })).toBe('an object');
  });
});
