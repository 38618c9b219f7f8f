import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../src/explore/key-table.js';

describe('KeyTable', () => {
  it('answers as a Map would, across growth and rehashing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.nat(1000)), { maxLength: 3000 }),
        (pairs) => {
          const t = new KeyTable();
          const m = new Map<string, number>();
          for (const [k, v] of pairs) {
            t.set(k, v);
            m.set(k, v);
          }
          expect(t.size).toBe(m.size);
          for (const [k, v] of m) expect(t.get(k)).toBe(v);
          expect(t.get('\u0000never\uffff')).toBe(m.get('\u0000never\uffff') ?? -1);
          expect(new Map(t.entries())).toEqual(m);
        },
      ),
      { numRuns: 30, seed: 3 },
    );
  });

  it('holds a hundred thousand keys of lone surrogates and all', () => {
    const t = new KeyTable();
    const key = (i: number) => String.fromCharCode(i & 0xffff, 0xd800 + (i % 7), i >>> 16);
    for (let i = 0; i < 100_000; i++) t.set(key(i * 7919), i);
    expect(t.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(t.get(key(i * 7919))).toBe(i);
    t.clear();
    expect([t.size, t.get(key(0))]).toEqual([0, -1]);
  });

  it('reserves a slot that stays valid as the table grows', () => {
    const t = new KeyTable();
    const slot = t.reserve('state');
    expect([t.valueAt(slot), t.get('state'), t.reserve('state')]).toEqual([-1, -1, slot]);
    for (let i = 0; i < 5_000; i++) t.set(`k${i}`, i);
    t.setAt(slot, 42);
    expect([t.get('state'), t.valueAt(t.reserve('state')), t.get('k4999')]).toEqual([42, 42, 4999]);
  });
});
