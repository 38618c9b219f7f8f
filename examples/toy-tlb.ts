import {
  DeviceTlb,
  defineSecondaryMmu,
  getUserPage,
  putPage,
  RETRY,
  retryLoop,
  SpinLock,
  spinLock,
  spinUnlock,
  Word,
} from 'mmulab';

/** A device TLB kept coherent the way KVM does it: a sequence count and an in-progress count. */
export default defineSecondaryMmu({
  name: 'toy-tlb',
  bugs: { noRetryCheck: 'the fault path installs the translation without rechecking seq and inProgress' },
  init: (mm) => ({
    lock: new SpinLock('toy.lock'), // protects tlb installs, seq, inProgress
    tlb: new DeviceTlb('toy.tlb', mm),
    seq: new Word('toy.seq', 0), // bumped by each invalidateRangeEnd
    inProgress: new Word('toy.inProgress', 0),
  }),
  ops: {
    *invalidateRangeStart(d, range) {
      yield* spinLock(d.lock);
      yield* d.inProgress.add(1);
      yield* d.tlb.zap(range.start, range.end);
      yield* spinUnlock(d.lock);
      return 0;
    },
    *invalidateRangeEnd(d) {
      yield* spinLock(d.lock);
      yield* d.seq.add(1); // before inProgress drops: a fault that saw the old seq retries
      yield* d.inProgress.add(-1);
      yield* spinUnlock(d.lock);
    },
  },
  *access(d, mm, addr, write, bugs) {
    return yield* retryLoop(function* () {
      const seq = yield* d.seq.read();
      const page = yield* getUserPage(mm, addr, write); // may sleep: not under d.lock
      if (!page) return false;
      yield* spinLock(d.lock);
      // An invalidation open now, or one that ended since `seq`, may have freed `page`.
      if (!bugs.noRetryCheck && ((yield* d.seq.read()) !== seq || (yield* d.inProgress.read()) > 0)) {
        yield* spinUnlock(d.lock);
        yield* putPage(page);
        return RETRY;
      }
      yield* d.tlb.install(addr, page.pfn, write);
      yield* spinUnlock(d.lock);
      yield* putPage(page);
      return true;
    });
  },
  inProgress: (d) => d.inProgress.value,
});
