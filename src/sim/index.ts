export {
  choose,
  enter,
  exit,
  frame,
  join,
  mightSleep,
  nonBlockEnd,
  nonBlockStart,
  note,
  RETRY,
  type Retry,
  retryLoop,
  spawnThread,
} from './api.js';
export { Word, wordIs } from './cell.js';
export {
  activeLockdep,
  enableLockdep,
  Lockdep,
  LockdepMap,
  lockMapAcquire,
  lockMapRelease,
} from './lockdep.js';
export type { Program } from './program.js';
export { Rng } from './rng.js';
export {
  current,
  currentRt,
  DEFAULT_MAX_STEPS,
  type Invariant,
  type RunOptions,
  type RunResult,
  Runtime,
  type Scheduler,
} from './runtime.js';
export { type Access, fmt, type Sim, SimObject, Step, sameValue } from './step.js';
export {
  AtomicT,
  atomicAddReturn,
  atomicCmpxchg,
  atomicDec,
  atomicDecAndTest,
  atomicDecReturn,
  atomicInc,
  atomicIncReturn,
  atomicRead,
  atomicSet,
} from './sync/atomic.js';
export { Completion, complete, completeAll, reinitCompletion, waitForCompletion } from './sync/completion.js';
export { LockObject } from './sync/lock.js';
export { Mutex, mutexLock, mutexTrylock, mutexUnlock } from './sync/mutex.js';
export {
  downWriteRecursive,
  RecursiveRwsem,
  rangeLockDownRead,
  rangeLockUpRead,
  upWriteRecursive,
} from './sync/range-lock.js';
export {
  callRcu,
  RcuDomain,
  rcu,
  rcuReadLock,
  rcuReadUnlock,
  Srcu,
  srcuReadLock,
  srcuReadUnlock,
  synchronizeRcu,
  synchronizeSrcu,
} from './sync/rcu.js';
export { RwLock, readLock, readUnlock, writeLock, writeUnlock } from './sync/rwlock.js';
export {
  downgradeWrite,
  downRead,
  downReadTrylock,
  downWrite,
  RwSemaphore,
  upRead,
  upWrite,
} from './sync/rwsem.js';
export {
  readSeqbegin,
  readSeqcountBegin,
  readSeqcountRetry,
  readSeqretry,
  Seqcount,
  Seqlock,
  writeSeqcountBegin,
  writeSeqcountEnd,
  writeSeqlock,
  writeSequnlock,
} from './sync/seqcount.js';
export {
  SpinLock,
  spinIsLockedBy,
  spinLock,
  spinLockSection,
  spinTrylock,
  spinUnlock,
} from './sync/spinlock.js';
export {
  finishWait,
  prepareToWait,
  schedule,
  WaitQueue,
  waitEvent,
  waitEventUntilChanged,
  wakeUp,
} from './sync/waitqueue.js';
export { SimThread } from './thread.js';
export { decodeToken, decodeTokenRuns, encodeToken, type TokenRuns } from './token.js';
export type { SimEvent, SimObserver } from './trace.js';
export { fail, type RuntimeViolationName, type Violation, ViolationSignal } from './violation.js';
