import { verdictSuite } from './verdicts.js';

for (const row of ['claim-parallel-starts +global-seqcount', 'claim-parallel-starts']) verdictSuite(row);
