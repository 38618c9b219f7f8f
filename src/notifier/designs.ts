import { MmulabError } from '../errors.js';
import type { Mm } from '../primary/mm.js';
import type { MmuNotifierChain } from './chain.js';
import { ClassicChain } from './classic.js';
import { EmmChain } from './designs/emm.js';
import { IntervalChain } from './designs/interval.js';
import { RcuRegisterChain } from './designs/rcu-register.js';
import { SeqlockRegisterChain } from './designs/seqlock-register.js';

/** Notifier designs by name, in the order of their history (docs/designs.md). */
export const designs: Record<
  string,
  { readonly describe: string; readonly make: (mm: Mm, opts: ChainOptions) => MmuNotifierChain }
> = {
  emm: {
    describe:
      "Lameter's EMM (2008): one callback per notifier, an operation enum; the walk stops at the first non-zero return",
    make: (mm) => new EmmChain(mm),
  },
  classic: {
    describe: 'the 2.6.27+ hlist under SRCU; register with mmap_lock(write) + mm_take_all_locks',
    make: (mm, opts) => new ClassicChain(mm, opts),
  },
  'rcu-register': {
    describe:
      '#v9 (2008): walks under rcu_read_lock; register without mm_take_all_locks, then synchronize_rcu',
    make: (mm) => new RcuRegisterChain(mm),
  },
  'seqlock-register': {
    describe:
      '#v10 proposal (seed 003): register inside write_seqlock; a walk that overlapped it is replayed',
    make: (mm) => new SeqlockRegisterChain(mm),
  },
  interval: {
    describe:
      '5.5+: the hlist plus mmu_interval_notifier (invalidate_seq, read_begin/read_retry, deferred inserts)',
    make: (mm) => new IntervalChain(mm),
  },
};

/** How a scenario uses its chain. */
export interface ChainOptions {
  /** Every subscriber registers at setup; none registers or unregisters during the run. */
  readonly staticSubscribers?: boolean;
  /** classic only: the failed-start rule (default 'end-started', 5.12+; 'no-end', 4.19–5.11). */
  readonly startFailure?: 'end-started' | 'no-end';
  /** classic only: release's order (default 'release-first'; 'unlink-first', 2.6.27 and 3.10). */
  readonly releaseOrder?: 'release-first' | 'unlink-first';
  /** classic only: srcu_read_lock/unlock as steps (scenarios racing release or unregister). */
  readonly srcuSteps?: boolean;
}

export function makeChain(design: string, mm: Mm, opts: ChainOptions = {}): MmuNotifierChain {
  const d = designs[design];
  if (!d) {
    throw new MmulabError(
      'MMULAB_UNKNOWN_DESIGN',
      `unknown notifier design '${design}' (valid: ${Object.keys(designs).join(', ')})`,
    );
  }
  return d.make(mm, opts);
}
