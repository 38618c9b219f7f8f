import { replay } from '../explore/explorer.js';
import type { Program } from '../sim/program.js';
import { observe, type Trace, TraceRecorder, traceEmitter } from './trace.js';

/**
 * Replays `token` on `program` with a recorder attached and returns the run's trace. Token
 * errors are the replay's (MMULAB_BAD_TOKEN, MMULAB_TOKEN_MISMATCH).
 */
export function recordRun(program: Program, token: string, opts: { readonly maxSteps?: number } = {}): Trace {
  const emitter = traceEmitter();
  const recorder = new TraceRecorder(emitter);
  const observer = observe(emitter);
  replay(program, token, { ...opts, ...(observer ? { observer } : {}) });
  return recorder.finish(program.name, token);
}
