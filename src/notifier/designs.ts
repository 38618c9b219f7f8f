import { MmulabError } from '../errors.js';
import type { Mm } from '../primary/mm.js';
import type { MmuNotifierChain } from './chain.js';
import { ClassicChain } from './classic.js';

/** Notifier designs by name; `emm`, `rcu-register`, `seqlock-register`, `interval` come next. */
export const designs: Record<
  string,
  { readonly describe: string; readonly make: (mm: Mm) => MmuNotifierChain }
> = {
  classic: {
    describe: 'the 2.6.27+ hlist under SRCU; register with mmap_lock(write) + mm_take_all_locks',
    make: (mm) => new ClassicChain(mm),
  },
};

export function makeChain(design: string, mm: Mm): MmuNotifierChain {
  const d = designs[design];
  if (!d) {
    throw new MmulabError(
      'MMULAB_UNKNOWN_DESIGN',
      `unknown notifier design '${design}' (valid: ${Object.keys(designs).join(', ')})`,
    );
  }
  return d.make(mm);
}
