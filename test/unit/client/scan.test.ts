import { describe, expect, it } from 'vitest';
import { buildScanPage, readScanPage } from '../../../src/client/lookup-request.js';
import { stripe, type ScanSpec } from '../../../src/venues/index.js';

const spec = stripe.reconcile.scan as ScanSpec;
const T = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('buildScanPage', () => {
  it('lists objects created since the intent, less the clock margin, in the unit the venue uses', () => {
    expect(buildScanPage(spec, T, undefined)).toEqual({
      method: 'GET',
      url: '/v1/payment_intents',
      params: { 'created[gte]': Math.floor((T - 300_000) / 1000), limit: 100 },
    });
    const ms: ScanSpec = { ...spec, createdSinceUnit: 'milliseconds', createdSinceMarginMs: 0 };
    expect(buildScanPage(ms, T, undefined).params).toEqual({ 'created[gte]': T, limit: 100 });
  });

  it('continues after the cursor, and never asks for a time before the epoch', () => {
    expect(buildScanPage(spec, T, 'pi_9').params).toMatchObject({ starting_after: 'pi_9' });
    expect(buildScanPage(spec, 1_000, undefined).params).toMatchObject({ 'created[gte]': 0 });
  });
});

describe('readScanPage', () => {
  const item = (id: string, key?: string) => ({ id, metadata: key === undefined ? {} : { intentkey_key: key } });
  const table: [label: string, body: unknown, expected: ReturnType<typeof readScanPage>][] = [
    ['a match on this page', { data: [item('pi_2', 'other'), item('pi_1', 'K')], has_more: true }, { kind: 'match', item: item('pi_1', 'K') }],
    ['the last page without a match', { data: [item('pi_2', 'other')], has_more: false }, { kind: 'end' }],
    ['an empty list', { data: [], has_more: false }, { kind: 'end' }],
    ['an empty list without has_more', { data: [] }, { kind: 'end' }],
    ['more pages: the cursor is the last id', { data: [item('pi_3'), item('pi_2')], has_more: true }, { kind: 'next', cursor: 'pi_2' }],
    ['no list at the items path', { items: [] }, { kind: 'unreadable', reason: 'no list at "data" in the scan page' }],
    ['a body that is not JSON', 'upstream error', { kind: 'unreadable', reason: 'no list at "data" in the scan page' }],
    ['has_more that is not a boolean', { data: [item('pi_1')], has_more: 'yes' }, { kind: 'unreadable', reason: 'no boolean at "has_more" in the scan page' }],
    [
      'more pages but no cursor to continue from',
      { data: [{ metadata: {} }], has_more: true },
      { kind: 'unreadable', reason: 'more pages follow, but the last object has no "id" to continue from' },
    ],
    ['has_more with an empty page', { data: [], has_more: true }, { kind: 'unreadable', reason: 'more pages follow, but the last object has no "id" to continue from' }],
  ];
  it.each(table)('%s', (_, body, expected) => {
    expect(readScanPage(spec, body, 'K')).toEqual(expected);
  });

  it('matches the key exactly: a prefix, another case or a number is no match', () => {
    const body = { data: [item('pi_1', 'K1'), item('pi_2', 'k'), { id: 'pi_3', metadata: { intentkey_key: 7 } }], has_more: false };
    expect(readScanPage(spec, body, 'K')).toEqual({ kind: 'end' });
    expect(readScanPage(spec, body, '7')).toEqual({ kind: 'end' });
  });
});
