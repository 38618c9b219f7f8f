import { compare } from '../src/compare/compare.js';

/**
 * `npm run bench -- compare`: the default `mmulab compare` set, one line per cell with the
 * dpor runs and the wall time of its search, then the total.
 */
const t0 = performance.now();
compare({
  onCell: (row, cell) => {
    const label = row.bugs.length ? `${row.scenario} +${row.bugs.join(',')}` : row.scenario;
    console.log(
      `${label.padEnd(52)} ${cell.design.padEnd(17)} ${cell.verdict.kind.padEnd(9)} ${String(cell.verdict.runs).padStart(7)} runs ${String(cell.verdict.ms).padStart(6)} ms`,
    );
  },
});
console.log(`total ${Math.round(performance.now() - t0)} ms`);
