import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workloadArbitrary } from '../../src/fuzz/arbitrary.js';
import {
  formatWorkload,
  formatWorkloadLines,
  normalizeWorkload,
  parseWorkload,
  workloadPages,
} from '../../src/fuzz/workload.js';

describe('workloads', () => {
  it('parse(format(w)) is w for every generated workload', () => {
    fc.assert(
      fc.property(workloadArbitrary(), (w) => {
        expect(parseWorkload(formatWorkload(w, 'vcpu'))).toEqual(w);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('generates 2 to 4 threads over at most 4 pages, devices first, every address inside the VMAs', () => {
    fc.assert(
      fc.property(workloadArbitrary(), (w) => {
        expect(w.threads.length).toBeGreaterThanOrEqual(2);
        expect(w.threads.length).toBeLessThanOrEqual(4);
        expect(w.threads[0]!.kind).toBe('device');
        const size = workloadPages(w);
        expect(size).toBeLessThanOrEqual(4);
        for (const t of w.threads) for (const o of t.ops) if ('addr' in o) expect(o.addr).toBeLessThan(size);
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it('prints kernel vocabulary, addresses and lengths in bytes, VMAs as /proc/pid/maps does', () => {
    const w = parseWorkload(
      'maps 0-2000 rw-p, 2000-3000 r--p; T0 vcpu0: store(0x2000), load(0x0); T1 cpu0: fault(0x1000, write), munmap(0x0, 0x2000); T2 cpu1: madvise(0x1000, 0x1000, MADV_DONTNEED), mprotect(0x0, 0x3000, PROT_READ|PROT_WRITE), reclaim(0x1000), fork(), oom_reap()',
    );
    expect(formatWorkloadLines(w, 'vcpu')).toEqual([
      'maps 0-2000 rw-p, 2000-3000 r--p',
      'T0 vcpu0: store(0x2000), load(0x0)',
      'T1 cpu0: fault(0x1000, write), munmap(0x0, 0x2000)',
      'T2 cpu1: madvise(0x1000, 0x1000, MADV_DONTNEED), mprotect(0x0, 0x3000, PROT_READ|PROT_WRITE), reclaim(0x1000), fork(), oom_reap()',
    ]);
  });

  it('normalizes raw values into the address space and isolates a page for reclaim once', () => {
    const w = normalizeWorkload({
      vmas: [
        { pages: 3, write: true },
        { pages: 2, write: false },
      ],
      threads: [
        { kind: 'device', ops: [{ op: 'store', addr: 9 }] },
        {
          kind: 'cpu',
          ops: [
            { op: 'munmap', addr: 2, pages: 4 },
            { op: 'reclaim', addr: 1 },
            { op: 'reclaim', addr: 1 },
          ],
        },
      ],
    });
    expect(formatWorkload(w)).toBe(
      'maps 0-3000 rw-p, 3000-4000 r--p; T0 device0: store(0x3000); T1 cpu0: munmap(0x2000, 0x2000), reclaim(0x1000)',
    );
  });

  it.each([
    ['T0 cpu0: fork()', "it must begin with 'maps START-END rw-p'"],
    ['maps 0-1000 rw-p; T0 cpu0: fault(0x1000, read)', 'address 0x1000 is outside the mappings'],
    ['maps 0-1000 rw-p; T0 cpu0: fault(0x10, read)', "address '0x10' is not a page-aligned number"],
    ['maps 0-1000 rw-p; T1 cpu0: fork()', 'thread T1 is out of order (T0 expected)'],
    ['maps 0-1000 rw-p; T0 cpu0: munmap(0x0, 0x2000)', 'munmap(0x0, 0x2000) runs past the mappings'],
    ['maps 0-1000 rw-p; T0 device0: fork()', "a device thread runs load(ADDR) and store(ADDR), not 'fork()'"],
    ['maps 0-5000 rw-p; T0 cpu0: fork()', 'at most 4 pages of address space (0-4000)'],
    ['maps 0-1000 rw-p; T0 cpu0: reclaim(0x0); T1 cpu1: reclaim(0x0)', 'reclaim(0x0) twice'],
  ])('rejects %s with one line', (text, why) => {
    expect(() => parseWorkload(text)).toThrow(why);
  });
});
