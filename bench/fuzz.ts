/**
 * `npm run bench -- fuzz`: workloads and schedules per second of `mmulab fuzz` against each
 * fixed secondary (nothing found, so every workload runs its full schedule budget), and the
 * time to the first shrunk counterexample of a few bug flags. Timings only; not a test.
 */
import { type FuzzOptions, fuzz } from '../src/fuzz/fuzz.js';
import { fuzzTargets } from '../src/fuzz/targets.js';

const base = { runs: 100, schedules: 100, seed: 1, strategy: 'random' as const, devices: 1 };
const clean: Record<string, Partial<FuzzOptions>> = { iommu: { ops: ['munmap', 'madvise_dontneed'] } };

console.log('fixed driver   workloads  schedules      steps      ms  workloads/s  schedules/s');
for (const name of ['kvm', 'gru', 'iommu', 'hmm']) {
  const r = fuzz(fuzzTargets[name]!, { ...base, ...clean[name], bugs: [] });
  console.log(
    `${name.padEnd(13)} ${String(r.workloads).padStart(10)} ${String(r.schedules).padStart(10)} ${String(r.steps).padStart(10)} ${String(r.ms).padStart(7)} ${(r.workloads / (r.ms / 1000)).toFixed(1).padStart(12)} ${Math.round(
      r.schedules / (r.ms / 1000),
    )
      .toString()
      .padStart(12)}`,
  );
}
console.log(
  '\nbug flag                       violation          found at  shrinks  workloads searched      ms',
);
for (const [name, bug] of [
  ['kvm', 'no-retry-check'],
  ['kvm', 'seq-bump-at-start'],
  ['gru', 'no-range-active-check'],
  ['hmm', 'sleeps-when-nonblockable'],
] as const) {
  const r = fuzz(fuzzTargets[name]!, { ...base, bugs: [bug] });
  const v = r.kind === 'violation' ? r : null;
  console.log(
    `${`${name} ${bug}`.padEnd(30)} ${(v?.violation.name ?? 'none').padEnd(18)} ${String(v?.foundAt ?? '-').padStart(8)} ${String(v?.shrinks ?? '-').padStart(8)} ${String(r.workloads).padStart(19)} ${String(r.ms).padStart(7)}`,
  );
}
