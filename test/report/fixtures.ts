import { explore } from '../../src/explore/explorer.js';
import { DfsStrategy } from '../../src/explore/strategies/dfs.js';
import { frame, note, type Program, SpinLock, spinLock, spinUnlock, Word } from '../../src/sim/index.js';

/**
 * The vCPU-fault-vs-munmap race of shared/baselines, told with the frames and notes the
 * primary model emits: munmap clears the PTE, flushes the TLB, calls invalidate_range_start
 * into KVM (which zaps the SPTE under mmu_lock) and frees the page; the vCPU's fault path has
 * no mmu_invalidate_seq retry check, so it can install the PTE it read before the zap.
 */
export function kvmRace(
  name = 'kvm-fault-vs-munmap',
  message = 'spte maps pfn 0x1000, which munmap freed',
): Program {
  return {
    name,
    setup(rt) {
      const mmuLock = new SpinLock('kvm.mmu_lock');
      const pte = new Word('pte[0x7f00]', 0x1000);
      const spte = new Word('spte[0x7f00]', 0);
      const freed = new Word('page[0x1000].freed', false);
      rt.spawn('vcpu0', function* () {
        yield* frame(
          'kvm_tdp_page_fault',
          (function* () {
            const pfn = yield* frame('hva_to_pfn', pte.read());
            if (pfn === 0) return;
            yield* spinLock(mmuLock);
            yield* spte.write(pfn);
            yield* spinUnlock(mmuLock);
          })(),
        );
      });
      rt.spawn('munmap', function* () {
        yield* frame(
          'unmap_region',
          (function* () {
            yield* pte.write(0);
            note('pte', 'pte[0x7f00] pfn 0x1000 -> none');
            note('tlb-flush', 'flush_tlb_range 0x7f00-0x8000');
            yield* frame(
              'mmu_notifier_invalidate_range_start',
              frame(
                'kvm_mmu_notifier_invalidate_range_start',
                (function* () {
                  yield* spinLock(mmuLock);
                  yield* spte.write(0);
                  yield* spinUnlock(mmuLock);
                })(),
              ),
            );
            yield* freed.write(true);
            note('page-free', 'pfn 0x1000');
          })(),
        );
      });
      rt.invariant('coherence', () => (spte.value !== 0 && freed.value ? message : null));
    },
  };
}

/**
 * A synthetic long run: `threads` threads each take and drop a lock and bump a counter inside
 * a frame, `rounds` times; the invariant breaks on the last bump, so the trace is long.
 */
export function longRun(threads: number, rounds: number): Program {
  return {
    name: `long-run-${threads}x${rounds}`,
    setup(rt) {
      const lock = new SpinLock('lock');
      const counter = new Word('counter', 0);
      const total = threads * rounds;
      for (let t = 0; t < threads; t++) {
        rt.spawn(`worker${t}`, function* () {
          for (let r = 0; r < rounds; r++) {
            yield* frame(
              'bump',
              (function* () {
                yield* spinLock(lock);
                const v = yield* counter.read();
                yield* counter.write(v + 1);
                note(r % 2 === 0 ? 'pte' : 'tlb-flush', `round ${r}`);
                yield* spinUnlock(lock);
              })(),
            );
          }
        });
      }
      rt.invariant('counter-limit', () => (counter.value >= total ? `counter reached ${total}` : null));
    },
  };
}

/** The first violating run of an exhaustive search: its token. */
export function firstViolation(program: Program, maxRuns = 10_000): string {
  const v = explore(program, { strategy: new DfsStrategy(), maxRuns, shrink: false });
  if (v.kind !== 'violation') throw new Error(`${program.name}: expected a violation, got ${v.kind}`);
  return v.token;
}

/** Names, labels and messages full of markup, for the escaping tests. */
export const HOSTILE = {
  program: '<script>alert("pwn")</script> & co',
  thread: '<b onmouseover=alert(1)>vcpu</b>',
  frame: '</div><script>window.__pwned=2</script>',
  note: '<img src=x onerror="window.__pwned=3">',
  message: `<img src=x onerror="window.__pwned=1"> 'quoted' & "double"`,
} as const;

/** A one-thread program whose every shown string is hostile markup. */
export function hostileProgram(): Program {
  return {
    name: HOSTILE.program,
    setup(rt) {
      const cell = new Word(`cell<${'i'}>"`, 0);
      rt.spawn(HOSTILE.thread, function* () {
        yield* frame(
          HOSTILE.frame,
          (function* () {
            yield* cell.write(1);
            note('uffd-msg', HOSTILE.note);
            note('<evil kind>', HOSTILE.note);
          })(),
        );
      });
      rt.invariant('<inv>', () => (cell.value === 1 ? HOSTILE.message : null));
    },
  };
}
