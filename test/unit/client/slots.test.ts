import { describe, expect, it } from 'vitest';
import { Slots } from '../../../src/client/slots.js';

/** Lets every settled promise's reactions run. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Slots (recovery concurrency)', () => {
  it('hands out at most `size` places; a release lets the next waiter in', async () => {
    const slots = new Slots(2);
    const got: string[] = [];
    for (const name of ['a', 'b', 'c']) void slots.acquireNew().then(() => got.push(name));
    await flush();
    expect(got).toEqual(['a', 'b']);
    slots.release();
    await flush();
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('a run coming back from a wait goes ahead of intents not started yet', async () => {
    const slots = new Slots(1);
    await slots.acquireNew();
    const order: string[] = [];
    void slots.acquireNew().then(() => order.push('new intent'));
    void slots.acquire().then(() => order.push('returning run'));
    slots.release();
    await flush();
    expect(order).toEqual(['returning run']);
    slots.release();
    await flush();
    expect(order).toEqual(['returning run', 'new intent']);
  });

  it('a place released with nobody waiting is kept for the next taker', async () => {
    const slots = new Slots(1);
    await slots.acquireNew();
    slots.release();
    let taken = false;
    void slots.acquire().then(() => (taken = true));
    await flush();
    expect(taken).toBe(true);
  });
});
