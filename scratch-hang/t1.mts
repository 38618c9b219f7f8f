import { exploreWatched, replayWatched } from '/work/wt-hang/src/explore/watchdog.ts';
import { scenarioRef, scenarioProgram } from '/work/wt-hang/src/cli/scenario-ref.ts';
const args = { scenario: 'munmap', design: 'classic', bugs: [], driver: 'test/fixtures/drivers/hang.ts' };
const program = await scenarioProgram(args);
const t0 = performance.now();
const v = await exploreWatched({ ref: scenarioRef(args), program, strategy: process.argv[2] ?? 'random', strategyOptions: { seed: 1 }, maxRuns: 50, stepTimeoutMs: 500, maxViolations: Number(process.argv[3] ?? 1) }, { onViolation: (f) => console.log('found', f.key, f.token) });
console.log(JSON.stringify(v), performance.now() - t0);
if (v.kind === 'violation') console.log(await replayWatched(scenarioRef(args), program, v.token, { stepTimeoutMs: 500 }));
