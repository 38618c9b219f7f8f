export { fsReclaimAcquire, fsReclaimRelease, type Gfp, gfpAllowsReclaim, mightAlloc } from './gfp.js';
export { isolateLruFolio, Lru, type LruFolio } from './lru.js';
export { Mm, type MmOptions } from './mm.js';
export {
  type MmuNotifierRange,
  type MmuNotifierSubscriptions,
  type MmuNotifyEvent,
  mmuNotifierRange,
  type NotifierHost,
} from './notify.js';
export { allocPagesGfp, kmalloc } from './ops/alloc.js';
export { exitMmap } from './ops/exit-mmap.js';
export { handleMmFault, type VmFault } from './ops/fault.js';
export { fork } from './ops/fork.js';
export { getUserPages, getUserPagesFastOnly, getUserPagesLocked } from './ops/gup.js';
export { madviseDontneed } from './ops/madvise.js';
export { mprotect } from './ops/mprotect.js';
export { munmap } from './ops/munmap.js';
export { pageReferenced, reclaimPage, shrinkIsolatedPage, tryToUnmap } from './ops/reclaim.js';
export { allocPage, getPage, PageAllocator, PageFrame, putPage } from './page.js';
export { fmtPte, mkPte, PTE_NONE, type Pte } from './pte.js';
export type { Vma } from './vma.js';
