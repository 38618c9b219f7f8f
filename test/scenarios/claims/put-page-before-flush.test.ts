import { verdictSuite } from './verdicts.js';

for (const row of ['claim-put-page-before-flush +put-page-before-flush', 'claim-put-page-before-flush'])
  verdictSuite(row);
