/**
 * The body of the short-lived thread that loads a `--driver` module before the main thread
 * does (src/cli/load-driver-watched.ts watches it): a module whose top level, or whose init,
 * loops without yielding hangs this thread, which the main thread can terminate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { importDriver, probeInit } from './load-driver.js';
import { LOAD_DONE, LOAD_IMPORT, LOAD_INIT, type ProbeJob, type ProbeReply } from './load-driver-watched.js';

const job = workerData as ProbeJob;
const phase = new Int32Array(job.phase);
const post = (m: ProbeReply) => parentPort!.postMessage(m);
try {
  // Untimed: mmulab's own modules, which the driver imports, so that the timed import below
  // is the driver's own code (and its compilation, for TypeScript).
  await import('../index.js');
  Atomics.store(phase, 0, LOAD_IMPORT);
  const driver = await importDriver(job.path);
  post({ type: 'imported', name: driver.name });
  Atomics.store(phase, 0, LOAD_INIT);
  probeInit(driver, job.path);
  Atomics.store(phase, 0, LOAD_DONE);
  post({ type: 'loaded' });
} catch {
  // The main thread loads it again and says why it fails.
  Atomics.store(phase, 0, LOAD_DONE);
  post({ type: 'failed' });
}
