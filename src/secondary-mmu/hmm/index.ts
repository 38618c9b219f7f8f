export { type HmmBug, type HmmMirror, hmm, hmmBugs } from './hmm.js';
