import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/exit.js';
import { main } from '../../src/cli/main.js';
import { strategies } from '../../src/explore/strategies/index.js';
import { catalogue } from '../../src/scenarios/catalogue.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTty: false,
  };
  const code = await main(['node', 'mmulab', ...args], io);
  return { code, out, err };
}

describe('mmulab list', () => {
  it('prints the catalogue as a table and as JSON', async () => {
    const t = await run('list');
    expect(t.code).toBe(0);
    expect(t.out.split('\n')[0]).toMatch(/^scenario\s+threads\s+bug flags\s+what it runs$/);
    expect(t.out).toMatch(/^kvm-munmap\s+vcpu0, munmap\s+no-retry-check, seq-bump-at-start/m);
    const j = await run('list', '--json');
    const parsed = JSON.parse(j.out) as { name: string; bugs: { name: string }[] }[];
    expect(parsed.map((s) => s.name).filter((n) => n.startsWith('kvm-'))).toEqual([
      'kvm-munmap',
      'kvm-dontneed',
      'kvm-fork-cow',
      'kvm-reclaim-aging',
      'kvm-postcopy',
      'kvm-ksm-merge-3.6',
      'kvm-ksm-merge-6.6',
      'kvm-ksm-merge',
      'kvm-exit-reclaim',
      'kvm-memslot',
      'kvm-pfncache',
    ]);
    expect(parsed[0]!.bugs.map((b) => b.name)).toEqual([
      'no-retry-check',
      'seq-bump-at-start',
      'zap-outside-lock',
      'put-page-before-flush',
    ]);
  });
});

describe('mmulab explore', () => {
  it('exits 1 on a violation and prints the invariant, the message and the replay command', async () => {
    const r = await run('explore', 'kvm-munmap', '--bug', 'no-retry-check');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'kvm-munmap (design classic, bugs: no-retry-check) with dfs',
      'violation: stale-translation, found after 3 run(s)',
      "  kvm.spte[0] maps page1 inside munmap's MMU_NOTIFY_UNMAP [0, 1) after kvm's invalidate_range_start returned",
      '  at step 9 by T0(vcpu0)',
      'replay: mmulab replay kvm-munmap --bug no-retry-check --token m1.AAQBAgAE',
    ]);
  });

  it('exits 0 and says verified for the correct driver', async () => {
    const r = await run('explore', 'kvm-fork-cow');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toMatch(/^verified: every schedule ran \([0-9,]+ runs\) with no violation$/);
  });

  it('--json prints one object with the agreed fields', async () => {
    const r = await run('explore', 'kvm-dontneed', '--bug', 'zap-outside-lock', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([
      'scenario',
      'design',
      'bugs',
      'strategy',
      'verdict',
      'runs',
      'steps',
      'ms',
      'cut',
      'violation',
      'written',
    ]);
    expect(j).toMatchObject({
      scenario: 'kvm-dontneed',
      design: 'classic',
      bugs: ['zap-outside-lock'],
      strategy: 'dfs',
      verdict: 'violation',
      violation: { invariant: 'stale-translation' },
    });
  });

  it('random with a seed and a run limit reports bounded, not verified, for the correct driver', async () => {
    const r = await run(
      'explore',
      'kvm-munmap',
      '--strategy',
      'random',
      '--runs',
      '50',
      '--seed',
      '3',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'bounded', runs: 50, cut: 'runs', violation: null });
  });

  it.each([
    [
      ['explore', 'nope'],
      `mmulab: unknown scenario 'nope' (valid: ${catalogue.map((s) => s.name).join(', ')})\n`,
    ],
    [
      ['explore', 'kvm-munmap', '--bug', 'foo'],
      "mmulab: unknown bug 'foo' for kvm-munmap (valid: no-retry-check, seq-bump-at-start, zap-outside-lock, put-page-before-flush)\n",
    ],
    [
      ['explore', 'kvm-munmap', '--strategy', 'bfs'],
      `mmulab: unknown strategy 'bfs' (valid: ${Object.keys(strategies).join(', ')})\n`,
    ],
    [
      ['explore', 'kvm-munmap', '--runs', '0'],
      "error: option '--runs <n>' argument '0' is invalid. --runs must be a positive integer, got '0'\n",
    ],
    [
      ['explore', 'kvm-munmap', '--seed', '-1'],
      "error: option '--seed <s>' argument '-1' is invalid. --seed must be a non-negative integer, got '-1'\n",
    ],
    [
      ['replay', 'kvm-munmap', '--token', 'zz'],
      "mmulab: malformed replay token 'zz': it must start with 'm1.'\n",
    ],
  ])('bad input %j: one line, exit 2', async (args, line) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(line);
    expect(r.out).toBe('');
  });
});

describe('mmulab replay', () => {
  it('prints the trace, one line a step, callbacks indented, and exits 1 when the violation recurs', async () => {
    const r = await run('replay', 'kvm-munmap', '--bug', 'no-retry-check', '--token', 'm1.AAQBAgAE');
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(4, 11)).toEqual([
      '    4 T1 munmap      down_write(mm.mmapLock) = true',
      '      T1 munmap      > invalidate_range_start(MMU_NOTIFY_UNMAP [0, 1)) from munmap',
      '      T1 munmap        · srcu: srcu_read_lock(mmu_notifier_srcu)',
      '      T1 munmap        > kvm.invalidate_range_start',
      '    5 T1 munmap          spin_lock(kvm.mmuLock); kvm_mmu_invalidate_begin (in_progress 1); kvm_unmap_gfn_range [0, 1): SPTEs zapped, remote TLBs flushed; spin_unlock(kvm.mmuLock)',
      '      T1 munmap        · srcu: srcu_read_unlock(mmu_notifier_srcu)',
      '    6 T0 vcpu0       vcpu0 guest write gfn 0 := 1: EPT violation (no usable SPTE)',
    ]);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(
      "VIOLATION stale-translation at step 9: kvm.spte[0] maps page1 inside munmap's MMU_NOTIFY_UNMAP [0, 1) after kvm's invalidate_range_start returned",
    );
  });

  it('a token from another bug set does not fit: exit 2, one line', async () => {
    const r = await run('replay', 'kvm-munmap', '--token', 'm1.AAQBAgAE');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'mmulab: the token does not fit this scenario: the run needs more choices than the token has\n',
    );
  });
});
