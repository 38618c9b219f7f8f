export { type KvmBug, kvmBugs, parseKvmBugs } from './bugs.js';
export { type GuestAccess, Kvm, type Spte } from './kvm.js';
export { KvmMemslots, type MemslotBug, memslotBugs } from './memslots.js';
export { type Gpc, gpcBugs, KvmGpc } from './pfncache.js';
export { type GuestAccessResult, type TlbEntry, VcpuTlbs } from './tlb.js';
