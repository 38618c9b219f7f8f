import { verdictSuite } from './verdicts.js';

for (const row of ['claim-failed-start +core-pre-5.12', 'claim-failed-start']) verdictSuite(row);
