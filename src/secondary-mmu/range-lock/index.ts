export { type RangeLockBug, rangeLockBugs, rangeLockTlb } from './range-lock.js';
