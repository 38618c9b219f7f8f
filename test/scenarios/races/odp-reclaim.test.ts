import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../../src/explore/explorer.js';
import { makeStrategy } from '../../../src/explore/strategies/index.js';
import { odpReclaimProgram } from '../../../src/scenarios/races/odp-reclaim.js';
import { encodeToken } from '../../../src/sim/token.js';

const BUG = 'cache-store-under-umem-mutex';
const dpor = (bugs: string[], setup: { lockdep?: boolean; freePages?: number } = {}) =>
  explore(odpReclaimProgram({ design: 'classic', bugs }, setup), {
    strategy: makeStrategy('dpor'),
    maxRuns: 100_000,
  });

describe('odp-dereg-reclaim: a notifier lock held across a reclaiming allocation (#20)', () => {
  it('with lockdep, dpor reports the order on its first run, from the registration-time priming', () => {
    const v = dpor([BUG]);
    expect(v.kind === 'violation' && v.runs).toBe(1);
    expect(v.kind === 'violation' && v.violation.message).toBe(
      'possible circular locking dependency: T0(dereg_mr) takes fs_reclaim while holding umem_odp.umem_mutex, but fs_reclaim → umem_odp.umem_mutex already (ib_init_umem_odp primed it at registration)',
    );
  });

  it('without lockdep, a run where the free list is empty self-deadlocks in reclaim', () => {
    const p = odpReclaimProgram({ design: 'classic', bugs: [BUG] }, { lockdep: false });
    const v = explore(p, { strategy: makeStrategy('dpor'), maxRuns: 100_000 });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation).toMatchObject({
      name: 'recursive-lock',
      message:
        'T0(dereg_mr) calls mutex_lock(umem_odp.umem_mutex) while already holding it: a self-deadlock in the kernel',
    });
    expect(replay(p, v.token).violation).toEqual(v.violation);
  });

  it('with memory to spare nothing reclaims: without lockdep the bug is invisible, with it reported', () => {
    expect(dpor([BUG], { lockdep: false, freePages: 2 }).kind).toBe('verified');
    expect(dpor([BUG], { freePages: 2 }).kind === 'violation').toBe(true);
  });

  it('the fix (umem_mutex dropped before the cache store) is verified with and without lockdep', () => {
    expect(dpor([])).toMatchObject({ kind: 'verified', runs: 21 });
    expect(dpor([], { lockdep: false })).toMatchObject({ kind: 'verified', runs: 21 });
  });

  it('the reclaiming allocation runs the MR notifier on the allocating thread, under its locks', () => {
    // The first dfs schedule runs dereg_mr to its end first: its kmalloc takes the free page,
    // so cache_init's, under rb_lock, finds the list empty and reclaims the process's page.
    const p = odpReclaimProgram({ design: 'classic', bugs: [] }, { lockdep: false });
    let choices: readonly number[] = [];
    const first = explore(p, {
      strategy: makeStrategy('dfs'),
      maxRuns: 1,
      onRun: (_n, r) => {
        choices = [...r.choices];
      },
    });
    expect(first.kind).toBe('bounded');
    expect(new Set(choices)).toEqual(new Set([0]));
    const entered: string[] = [];
    const r = replay(p, encodeToken(choices), {
      observer: (e) => {
        if (e.type === 'enter') entered.push(`T${e.thread} ${e.label}`);
      },
    });
    expect(r.violation).toBeNull();
    expect(entered).toEqual([
      'T1 clear_flush_young(0..1)',
      'T1 invalidate_range_start(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
      'T1 mlx5_ib.invalidate_range_start',
      'T1 invalidate_range_end(MMU_NOTIFY_CLEAR [0, 1)) from try_to_unmap',
    ]);
  });
});
