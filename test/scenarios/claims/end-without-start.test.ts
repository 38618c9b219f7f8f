import { verdictSuite } from './verdicts.js';

for (const row of ['claim-end-without-start +assumes-pairing', 'claim-end-without-start']) verdictSuite(row);
