export type { ActiveInvalidation, MmuNotifierChain } from './chain.js';
export { ClassicChain } from './classic.js';
export { EmmChain, type EmmOperation, emmCallback } from './designs/emm.js';
export { HlistChain } from './designs/hlist.js';
export { IntervalChain, MmuIntervalNotifier, type MmuIntervalNotifierOps } from './designs/interval.js';
export { RcuRegisterChain } from './designs/rcu-register.js';
export { SeqlockRegisterChain } from './designs/seqlock-register.js';
export { designs, makeChain } from './designs.js';
export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifyEvent } from './ops.js';
