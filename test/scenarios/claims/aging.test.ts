import { verdictSuite } from './verdicts.js';

for (const row of ['claim-aging']) verdictSuite(row);
