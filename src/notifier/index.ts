export type { ActiveInvalidation, MmuNotifierChain } from './chain.js';
export { ClassicChain } from './classic.js';
export { designs, makeChain } from './designs.js';
export type { MmuNotifier, MmuNotifierOps, MmuNotifierRange, MmuNotifyEvent } from './ops.js';
