/**
 * The body of a watched search's worker thread (src/explore/watchdog.ts starts it and
 * watches it): rebuilds the program, runs the search (or one replay) with every scheduler
 * recording into the shared buffers, and posts checkpoints, violations and the verdict.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MmulabError } from '../errors.js';
import type { Scheduler } from '../sim/runtime.js';
import { decodeTokenRuns } from '../sim/token.js';
import type { Violation } from '../sim/violation.js';
import { explore, runOnce, shrunk } from './explorer.js';
import { resolveProgram } from './program-ref.js';
import { makeStrategy } from './strategies/index.js';
import { ReplayScheduler } from './strategies/replay.js';
import type { Verdict } from './verdict.js';
import {
  INTERRUPT,
  PHASE,
  PHASE_DONE,
  PHASE_RUN,
  PHASE_SHRINK,
  RecordingScheduler,
  RUNS,
  recordingStrategy,
  VIOLATIONS,
} from './watch-shared.js';
import type { WatchJob, WatchReply } from './watchdog.js';

const job = workerData as WatchJob;
const ctrl = new Int32Array(job.ctrl);
const stepsDone = new Float64Array(job.steps);
if (job.mode === 'explore') {
  stepsDone[0] = job.start.steps;
  Atomics.store(ctrl, RUNS, job.start.runs);
}
const post = (m: WatchReply) => parentPort!.postMessage(m);

/** Checkpoints at most this often, in runs or ms: what a restart after a hang redoes. */
const CHECKPOINT_RUNS = 1_000;
const CHECKPOINT_MS = 1_000;

try {
  const program = await resolveProgram(job.ref);
  const poison = new Map<number, number[][]>();
  for (const h of job.poison) poison.set(h.step, [...(poison.get(h.step) ?? []), [...h.choices]]);
  const record = (s: Scheduler) => new RecordingScheduler(s, ctrl, job.choices, poison);
  Atomics.store(ctrl, PHASE, PHASE_RUN);
  if (job.mode === 'replay') {
    const scheduler = new ReplayScheduler(decodeTokenRuns(job.token));
    const r = runOnce(program, {
      scheduler: record(scheduler),
      ...(job.maxSteps === undefined ? {} : { maxSteps: job.maxSteps }),
    });
    Atomics.store(ctrl, PHASE, PHASE_DONE);
    post({ type: 'replayed', violation: r.violation !== null });
  } else {
    const inner = makeStrategy(job.strategy, job.strategyOptions);
    if (job.state !== null) inner.restore?.(job.state);
    const strategy = recordingStrategy(inner, record);
    let lastRuns = job.start.runs;
    let lastMs = performance.now();
    let steps = job.start.steps;
    const shrinkOne = (f: { violation: Violation; token: string }) => {
      Atomics.store(ctrl, PHASE, PHASE_SHRINK);
      const s = shrunk(program, f.violation, f.token, {
        ...(job.shrink ? {} : { shrink: false }),
        ...(job.maxSteps === undefined ? {} : { maxSteps: job.maxSteps }),
      });
      Atomics.store(ctrl, PHASE, PHASE_RUN);
      return s;
    };
    let verdict: Verdict = explore(
      program,
      {
        strategy,
        maxRuns: job.maxRuns,
        shrink: false,
        maxViolations: job.maxViolations,
        knownViolations: job.known,
        ...(job.maxSteps === undefined ? {} : { maxSteps: job.maxSteps }),
        ...(job.timeLimitMs === undefined ? {} : { timeLimitMs: job.timeLimitMs }),
        shouldStop: () => Atomics.load(ctrl, INTERRUPT) !== 0,
        onRun: (runs, result) => {
          steps += result.steps;
          stepsDone[0] = steps;
          Atomics.store(ctrl, RUNS, runs);
          if (result.violation) Atomics.add(ctrl, VIOLATIONS, 1);
          const now = performance.now();
          if (!result.violation && (runs - lastRuns >= CHECKPOINT_RUNS || now - lastMs >= CHECKPOINT_MS)) {
            lastRuns = runs;
            lastMs = now;
            post({ type: 'checkpoint', runs, steps, state: inner.checkpoint?.() ?? null });
          }
        },
        onViolation: (f) => {
          post({ type: 'found', found: f });
          const s = shrinkOne(f);
          post({ type: 'violation', found: { ...f, ...s } });
        },
      },
      job.start,
    );
    if (verdict.kind === 'violation' && verdict.violations === undefined) {
      post({
        type: 'found',
        found: { key: '', violation: verdict.violation, token: verdict.token, run: verdict.runs },
      });
      verdict = { ...verdict, ...shrinkOne(verdict) };
    }
    Atomics.store(ctrl, PHASE, PHASE_DONE);
    post({
      type: 'done',
      verdict,
      state: verdict.kind === 'bounded' ? (inner.checkpoint?.() ?? null) : null,
    });
  }
} catch (e) {
  Atomics.store(ctrl, PHASE, PHASE_DONE);
  post({
    type: 'error',
    code: e instanceof MmulabError ? e.code : null,
    message: e instanceof Error ? e.message : String(e),
  });
}
