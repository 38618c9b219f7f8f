import { verdictSuite } from './verdicts.js';

for (const row of ['claim-register-race']) verdictSuite(row);
