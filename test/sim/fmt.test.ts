import { describe, expect, it } from 'vitest';
import { Word } from '../../src/sim/cell.js';
import { fmt } from '../../src/sim/step.js';

describe('fmt', () => {
  it('renders records, arrays and model objects by name', () => {
    expect(fmt({ pfn: 1, present: true })).toBe('{pfn:1 present:true}');
    expect(fmt([1, 'a', null])).toBe('[1, a, null]');
    expect(fmt({ page: new Word('kvm.spte[0]', 0) })).toBe('{page:kvm.spte[0]}');
  });

  it('cuts cycles and deep nesting instead of overflowing the stack', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    expect(fmt(a)).toBe('{n:1 self:…}');
    expect(fmt({ a: { b: { c: { d: 1 } } } })).toBe('{a:{b:{c:…}}}');
  });
});
