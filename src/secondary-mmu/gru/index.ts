export { type GruBug, type GruMm, gru, gruBugs } from './gru.js';
