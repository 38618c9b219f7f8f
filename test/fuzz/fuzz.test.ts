import { describe, expect, it } from 'vitest';
import { MmulabError } from '../../src/errors.js';
import { replay } from '../../src/explore/explorer.js';
import { type FuzzOptions, fuzz } from '../../src/fuzz/fuzz.js';
import { workloadProgram } from '../../src/fuzz/program.js';
import { fuzzTargets } from '../../src/fuzz/targets.js';
import { type CpuOpName, formatWorkload, type Workload, workloadPages } from '../../src/fuzz/workload.js';

/**
 * The budgets the bug-finding runs use (one device thread keeps the shrunk workloads and the
 * violation each flag shows stable).
 */
const clean: Record<string, Partial<FuzzOptions>> = {
  kvm: { devices: 1 },
  gru: { devices: 1 },
  hmm: { devices: 1 },
  iommu: { devices: 1, ops: ['munmap', 'madvise_dontneed'] as CpuOpName[] },
};

/**
 * The budgets under which each fixed driver passes: every operation and two device threads
 * (the defaults), since the five gaps of the model this fuzzer found are fixed (docs/fuzz.md).
 */
const fixed: Record<string, Partial<FuzzOptions>> = { kvm: {}, gru: {}, hmm: {}, iommu: {} };

const base = { runs: 50, schedules: 100, seed: 1, strategy: 'random' as const };

describe('fuzz finds each bug flag a workload can reach', () => {
  it.each([
    ['kvm', 'no-retry-check', 'stale-translation'],
    ['kvm', 'seq-bump-at-start', 'stale-translation'],
    ['kvm', 'zap-outside-lock', 'stale-translation'],
    ['kvm', 'put-page-before-flush', 'coherence'],
    ['gru', 'no-dropin-drop', 'stale-translation'],
    ['gru', 'vtop-before-tfh-read', 'coherence'],
    ['gru', 'no-range-active-check', 'stale-translation'],
    ['iommu', 'start-end-only', 'coherence'],
    ['iommu', 'flush-sleeps', 'sleep-in-atomic'],
    ['hmm', 'no-read-retry', 'stale-translation'],
    ['hmm', 'set-seq-outside-lock', 'stale-translation'],
    ['hmm', 'sleeps-when-nonblockable', 'sleep-in-atomic'],
  ])('%s --bug %s: %s', (name, bug, violation) => {
    const target = fuzzTargets[name]!;
    const r = fuzz(target, { ...base, ...clean[name], bugs: [bug] });
    expect(r.kind).toBe('violation');
    if (r.kind !== 'violation') return;
    expect(r.violation.name).toBe(violation);
    // Shrinking never grows a workload: no more threads, operations or pages than found.
    const ops = (w: Workload) => w.threads.reduce((k, t) => k + t.ops.length, 0);
    expect(r.workload.threads.length).toBeLessThanOrEqual(r.found.threads.length);
    expect(ops(r.workload)).toBeLessThanOrEqual(ops(r.found));
    expect(workloadPages(r.workload)).toBeLessThanOrEqual(workloadPages(r.found));
    // The token replays the shrunk workload to the same violation.
    const again = replay(workloadProgram(target, r.workload, [bug]), r.token);
    expect(again.violation?.name).toBe(violation);
  });
});

describe('the fixed drivers', () => {
  it.each(Object.keys(clean))('%s: no violation in 30 workloads x 100 schedules, bounded', (name) => {
    const r = fuzz(fuzzTargets[name]!, { ...base, ...fixed[name], runs: 30, bugs: [] });
    expect(r.kind).toBe('bounded');
    if (r.kind !== 'bounded') return;
    expect(r.tested).toBe(30);
    expect(r.workloads).toBe(30);
    expect(r.schedules).toBe(3000);
  });
});

describe('shrinking', () => {
  it('shrinks the textbook race to one vCPU store against one reclaim, two preemptions', () => {
    const r = fuzz(fuzzTargets.kvm!, { ...base, bugs: ['no-retry-check'] });
    expect(r.kind).toBe('violation');
    if (r.kind !== 'violation') return;
    expect(formatWorkload(r.workload, 'vcpu')).toBe(
      'maps 0-1000 rw-p; T0 vcpu0: store(0x0); T1 cpu0: reclaim(0x0)',
    );
    expect(formatWorkload(r.found, 'vcpu')).not.toBe(formatWorkload(r.workload, 'vcpu'));
    expect(r.schedule).toMatchObject({ steps: 11, preemptions: 2 });
    expect(r.token).toBe('m1.AAIBBwAC');
  });

  it('is a function of the seed', () => {
    const opts = { ...base, ...clean.gru, bugs: ['no-range-active-check'] };
    const a = fuzz(fuzzTargets.gru!, opts);
    const b = fuzz(fuzzTargets.gru!, opts);
    const strip = (r: typeof a) => ({ ...r, ms: 0 });
    expect(strip(a)).toEqual(strip(b));
  });

  it('a caller error inside a search is thrown as itself, not taken for a counterexample', () => {
    const broken = {
      ...fuzzTargets.kvm!,
      attach: () => {
        throw new MmulabError('MMULAB_BAD_DRIVER', 'driver x throws in init: boom');
      },
    };
    expect(() => fuzz(broken, { ...base, bugs: [] })).toThrow('driver x throws in init: boom');
  });

  it('rejects bad options with one line', () => {
    expect(() => fuzz(fuzzTargets.kvm!, { ...base, bugs: ['nope'] })).toThrow(
      "unknown bug 'nope' for kvm (valid: no-retry-check, seq-bump-at-start, zap-outside-lock, put-page-before-flush)",
    );
    expect(() => fuzz(fuzzTargets.kvm!, { ...base, runs: 0, bugs: [] })).toThrow(
      'runs must be a positive integer, got 0',
    );
    expect(() => fuzz(fuzzTargets.kvm!, { ...base, devices: 3, bugs: [] })).toThrow(
      'devices must be 1 or 2, got 3',
    );
  });
});
