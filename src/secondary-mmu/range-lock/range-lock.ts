import type { Mm } from '../../primary/mm.js';
import { putPage } from '../../primary/page.js';
import { RETRY, retryLoop } from '../../sim/api.js';
import { Word } from '../../sim/cell.js';
import type { Sim } from '../../sim/step.js';
import {
  downWriteRecursive,
  RecursiveRwsem,
  rangeLockDownRead,
  rangeLockUpRead,
  upWriteRecursive,
} from '../../sim/sync/range-lock.js';
import {
  readSeqcountBegin,
  readSeqcountRetry,
  Seqcount,
  writeSeqcountBegin,
  writeSeqcountEnd,
} from '../../sim/sync/seqcount.js';
import { SpinLock, spinLock, spinUnlock } from '../../sim/sync/spinlock.js';
import { defineSecondaryMmu, getUserPage } from '../define.js';
import { DeviceTlb } from '../device-tlb.js';

/**
 * Ways a 2008 driver got "no fault between start and end" wrong (seed 003, race #3): both
 * assume one invalidation at a time, but core mm runs start/end brackets of one mm in
 * parallel on several CPUs (and nests them in one thread).
 */
export const rangeLockBugs = {
  'global-seqcount':
    'range_start opens a driver-global seqcount (write_seqcount_begin) and range_end closes it: a second range_start while the first is open makes the count even again, so a fault passes read_seqcount_begin/retry while both invalidations are still running',
  'active-flag':
    'range_start sets a driver-global "invalidating" flag and range_end clears it: the first range_end clears it while another invalidation is still open (an end that releases exclusion it does not own), and a fault installs a page that invalidation is about to free',
} as const;

export type RangeLockBug = keyof typeof rangeLockBugs;

interface RangeLockState {
  /** The fix: seed 003's recursive rwsem, write side per open range, read side per fault. */
  readonly rangeLock: RecursiveRwsem;
  /** global-seqcount: odd while "the" invalidation is open (two writers are not serialized). */
  readonly seq: Seqcount;
  /** The bug schemes' lock over the TLB zaps and installs (and active-flag's words). */
  readonly lock: SpinLock;
  readonly invalidating: Word<boolean>;
  readonly endSeq: Word<number>;
  readonly tlb: DeviceTlb;
}

/**
 * A device TLB whose driver must keep faults out while any invalidation is open (XPMEM and
 * the 2008 GRU drafts, seed 003). The correct driver takes seed 003's recursive rwsem: the
 * write side in every range_start (several at once, from any thread), dropped in the
 * matching range_end; the fault path holds the read side from get_user_pages to the TLB
 * install. Each bug flag swaps in one of the one-invalidation-at-a-time schemes.
 */
export const rangeLockTlb = defineSecondaryMmu<RangeLockState, RangeLockBug>({
  name: 'range-lock-tlb',
  bugs: rangeLockBugs,
  init: (mm) => ({
    rangeLock: new RecursiveRwsem('drv.rangeLock'),
    seq: new Seqcount('drv.seq'),
    lock: new SpinLock('drv.lock'),
    invalidating: new Word('drv.invalidating', false),
    endSeq: new Word('drv.endSeq', 0),
    tlb: new DeviceTlb('drv.tlb', mm),
  }),
  ops: {
    *invalidateRangeStart(d, range, bugs) {
      if (bugs['global-seqcount']) {
        yield* writeSeqcountBegin(d.seq);
        yield* spinLock(d.lock);
        yield* d.tlb.zap(range.start, range.end);
        yield* spinUnlock(d.lock);
      } else if (bugs['active-flag']) {
        yield* spinLock(d.lock);
        yield* d.invalidating.write(true);
        yield* d.tlb.zap(range.start, range.end);
        yield* spinUnlock(d.lock);
      } else {
        yield* downWriteRecursive(d.rangeLock);
        yield* d.tlb.zap(range.start, range.end);
      }
      return 0;
    },
    *invalidateRangeEnd(d, _range, bugs) {
      if (bugs['global-seqcount']) {
        yield* writeSeqcountEnd(d.seq);
      } else if (bugs['active-flag']) {
        yield* spinLock(d.lock);
        yield* d.endSeq.add(1);
        yield* d.invalidating.write(false);
        yield* spinUnlock(d.lock);
      } else {
        yield* upWriteRecursive(d.rangeLock);
      }
    },
  },
  *access(d, mm, addr, write, bugs) {
    if (bugs['global-seqcount']) {
      return yield* faultRecheckingUnderLock(
        d,
        mm,
        addr,
        write,
        // read_seqcount_begin waits while the count is odd.
        () => readSeqcountBegin(d.seq),
        (seq) => readSeqcountRetry(d.seq, seq),
      );
    }
    if (bugs['active-flag']) {
      return yield* faultRecheckingUnderLock(
        d,
        mm,
        addr,
        write,
        () => d.endSeq.read(),
        function* (seq) {
          return (yield* d.invalidating.read()) || (yield* d.endSeq.read()) !== seq;
        },
      );
    }
    // Seed 003: no secondary fault while any range_start..range_end is open.
    yield* rangeLockDownRead(d.rangeLock);
    const page = yield* getUserPage(mm, addr, write);
    if (page) yield* d.tlb.install(addr, page.pfn, write);
    yield* rangeLockUpRead(d.rangeLock);
    if (page) yield* putPage(page);
    return page !== null;
  },
});

/**
 * The buggy drivers' fault path: sample a sequence, pin the page (gup may sleep: not under
 * the driver lock), then under the lock recheck and install, or drop the page and go round
 * again. What the sample and the recheck read is where the two bugs differ.
 */
function* faultRecheckingUnderLock(
  d: RangeLockState,
  mm: Mm,
  addr: number,
  write: boolean,
  sample: () => Sim<number>,
  changed: (seq: number) => Sim<boolean>,
): Sim<boolean> {
  return yield* retryLoop(function* () {
    const seq = yield* sample();
    const page = yield* getUserPage(mm, addr, write);
    if (!page) return false;
    yield* spinLock(d.lock);
    if (yield* changed(seq)) {
      yield* spinUnlock(d.lock);
      yield* putPage(page);
      return RETRY;
    }
    yield* d.tlb.install(addr, page.pfn, write);
    yield* spinUnlock(d.lock);
    yield* putPage(page);
    return true;
  });
}
