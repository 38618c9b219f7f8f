/**
 * The body of a watched fuzz run's worker thread (src/fuzz/watched.ts starts it and watches
 * it): rebuilds the target, runs `fuzz` with every schedule of every workload recording into
 * the shared buffers, announces each workload's search and the schedule shrink, and posts
 * the result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MmulabError } from '../errors.js';
import {
  PHASE,
  PHASE_DONE,
  PHASE_RUN,
  PHASE_SHRINK,
  RecordingScheduler,
  RUNS,
  recordingStrategy,
} from '../explore/watch-shared.js';
import type { Scheduler } from '../sim/runtime.js';
import { fuzz } from './fuzz.js';
import { fuzzTargetOf } from './ref.js';
import type { FuzzJob, FuzzReply } from './watched.js';

const job = workerData as FuzzJob;
const ctrl = new Int32Array(job.ctrl);
const stepsDone = new Float64Array(job.steps);
const post = (m: FuzzReply) => parentPort!.postMessage(m);
const noPoison = new Map<number, number[][]>();

try {
  const target = await fuzzTargetOf(job.target);
  // RUNS and the steps slot count the current workload's search: a hang's share of the counts.
  const record = (s: Scheduler) => {
    Atomics.add(ctrl, RUNS, 1);
    return new RecordingScheduler(s, ctrl, job.choices, noPoison);
  };
  Atomics.store(ctrl, PHASE, PHASE_RUN);
  const result = fuzz(target, {
    ...job.options,
    watch: {
      hangs: new Map(job.hangs),
      strategy: (s) => {
        const r = recordingStrategy(s, record);
        return {
          ...r,
          runDone: (res) => {
            stepsDone[0] = stepsDone[0]! + res.steps;
            r.runDone(res);
          },
        };
      },
      searching: (workload, at) => {
        Atomics.store(ctrl, RUNS, 0);
        stepsDone[0] = 0;
        post({ type: 'searching', workload, at });
      },
      shrinking: (result) => {
        post({ type: 'found', result });
        Atomics.store(ctrl, PHASE, PHASE_SHRINK);
      },
    },
  });
  Atomics.store(ctrl, PHASE, PHASE_DONE);
  post({ type: 'done', result });
} catch (e) {
  Atomics.store(ctrl, PHASE, PHASE_DONE);
  post({
    type: 'error',
    code: e instanceof MmulabError ? e.code : null,
    message: e instanceof Error ? e.message : String(e),
  });
}
