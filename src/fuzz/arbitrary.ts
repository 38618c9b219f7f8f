import fc from 'fast-check';
import { MmulabError } from '../errors.js';
import {
  CPU_OPS,
  type CpuOp,
  type CpuOpName,
  type DeviceOp,
  MAX_PAGES,
  normalizeWorkload,
  type Workload,
} from './workload.js';

const addr = fc.nat({ max: MAX_PAGES - 1 });
const pages = fc.integer({ min: 1, max: MAX_PAGES });

const cpuOps: Readonly<Record<CpuOpName, fc.Arbitrary<CpuOp>>> = {
  fault: fc.record({ op: fc.constant('fault' as const), addr, write: fc.boolean() }),
  munmap: fc.record({ op: fc.constant('munmap' as const), addr, pages }),
  madvise_dontneed: fc.record({ op: fc.constant('madvise_dontneed' as const), addr, pages }),
  mprotect: fc.record({ op: fc.constant('mprotect' as const), addr, pages, write: fc.boolean() }),
  reclaim: fc.record({ op: fc.constant('reclaim' as const), addr }),
  fork: fc.constant({ op: 'fork' as const }),
  oom_reap: fc.constant({ op: 'oom_reap' as const }),
};

const deviceOp: fc.Arbitrary<DeviceOp> = fc.record({
  op: fc.constantFrom('store' as const, 'load' as const),
  addr,
});

/**
 * Workloads: one or two back-to-back anonymous VMAs over at most MAX_PAGES pages (read-only
 * shrinks to writable), one or two device threads of one to three accesses, one or two CPU
 * threads of one to three primary operations: two to four threads in all, devices spawned
 * first. Values are normalized (normalizeWorkload) so shrinking raw numbers stays valid.
 */
export function workloadArbitrary(
  ops: readonly CpuOpName[] = CPU_OPS,
  maxDevices = 2,
): fc.Arbitrary<Workload> {
  if (ops.length === 0) throw new MmulabError('MMULAB_BAD_OPTION', 'no primary operation to generate');
  // In CPU_OPS order, simplest first: fast-check's oneof shrinks towards the earlier
  // alternatives, so a shrunk workload prefers a fault to an munmap to an OOM reap.
  const cpuOp = fc.oneof(...CPU_OPS.filter((o) => ops.includes(o)).map((o) => cpuOps[o]));
  return fc
    .record({
      vmas: fc.array(fc.record({ pages: fc.integer({ min: 1, max: 2 }), readOnly: fc.boolean() }), {
        minLength: 1,
        maxLength: 2,
      }),
      devices: fc.array(fc.array(deviceOp, { minLength: 1, maxLength: 3 }), {
        minLength: 1,
        maxLength: maxDevices,
      }),
      cpus: fc.array(fc.array(cpuOp, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    })
    .map((r) =>
      normalizeWorkload({
        vmas: r.vmas.map((v) => ({ pages: v.pages, write: !v.readOnly })),
        threads: [
          ...r.devices.map((ops) => ({ kind: 'device' as const, ops })),
          ...r.cpus.map((ops) => ({ kind: 'cpu' as const, ops })),
        ],
      }),
    );
}
