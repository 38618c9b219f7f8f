import { verdictSuite } from './verdicts.js';

for (const row of ['claim-failed-start']) verdictSuite(row);
