import { watchCoherence } from '../../check/index.js';
import { checkSecondaryWrite } from '../../check/integrity.js';
import type { MmuNotifierChain } from '../../notifier/chain.js';
import { makeChain } from '../../notifier/designs.js';
import { Mm, type MmEra } from '../../primary/mm.js';
import { fork } from '../../primary/ops/fork.js';
import { madviseDontneed } from '../../primary/ops/madvise.js';
import { munmap } from '../../primary/ops/munmap.js';
import { shrinkIsolatedPage } from '../../primary/ops/reclaim.js';
import { PageAllocator } from '../../primary/page.js';
import { mkPte } from '../../primary/pte.js';
import type { SecondaryInstance, SecondaryMmuDriver } from '../../secondary-mmu/define.js';
import type { Runtime } from '../../sim/runtime.js';
import type { Sim } from '../../sim/step.js';
import type { Scenario, ScenarioOptions } from '../scenario.js';

/** The value the device's first store writes; the page starts with INITIAL. */
export const DEVICE_VALUE = 1;
export const INITIAL = 7;

/** One run's state: an mm with one populated anonymous page at address 0 and a device on it. */
export interface DriverWorld {
  readonly mm: Mm;
  readonly chain: MmuNotifierChain;
  readonly dev: SecondaryInstance;
  readonly pfn: number;
}

export interface WorldOptions {
  /** Pages the mmu_gather holds before it frees inside the bracket (1: every unmapped page). */
  readonly gatherCapacity?: number;
  /** Address-space pages (one VMA over all of them, the first populated). */
  readonly size?: number;
  /** Leave the device unsubscribed at setup (a scenario that registers it during the run). */
  readonly unattached?: boolean;
  /** The primary's kernel era (src/primary/era.ts); default today's. */
  readonly era?: MmEra;
}

/**
 * The world of the standard workloads: the page at 0 faulted in and aged out, the device
 * subscribed before the run with no translation yet, coherence, pairing and data-integrity
 * checks on every step.
 */
export function driverWorld(
  rt: Runtime,
  driver: SecondaryMmuDriver,
  opts: ScenarioOptions,
  w: WorldOptions = {},
): DriverWorld {
  const size = w.size ?? 1;
  const pages = new PageAllocator(4);
  const mm = new Mm('mm', pages, {
    size,
    vmas: [{ start: 0, end: size, write: true, private: true }],
    gatherCapacity: w.gatherCapacity ?? 1,
    ...(w.era ? { era: w.era } : {}),
  });
  const pfn = mm.populate(0, INITIAL);
  // The process wrote the page and it was aged since: dirty, not young; a lockless walk can use it.
  mm.pte(0).value = mkPte(pfn, true, false, true);
  // A device attached at setup keeps the list fixed; an unattached one registers during the run.
  const chain = makeChain(opts.design, mm, { staticSubscribers: !w.unattached });
  const dev = driver.create(mm, opts.bugs);
  if (!w.unattached) dev.attach(chain);
  dev.tlb.onAccess = (a) => {
    if (a.write) checkSecondaryWrite(mm, chain, `${dev.name} device`, a.addr, a.pfn, a.value, dev.tlb.cached);
  };
  watchCoherence(rt, mm, chain, [dev]);
  return { mm, chain, dev, pfn };
}

/**
 * A device load or store at `addr`: through its TLB; a miss runs the driver's fault path and
 * the access is retried. Returns the value, or null if the fault path found no page.
 */
export function* deviceAccess(
  dev: SecondaryInstance,
  addr: number,
  write: boolean,
  value = 0,
): Sim<number | null> {
  for (;;) {
    const r = yield* dev.tlb.access(addr, write, value);
    if (r.ok) return r.value;
    if (!(yield* dev.fault(addr, write))) return null;
  }
}

/** The device thread of the standard workloads: `n` stores to address 0. */
export function* deviceStores(w: DriverWorld, n: number): Sim<void> {
  for (let i = 0; i < n; i++) {
    if ((yield* deviceAccess(w.dev, 0, true, DEVICE_VALUE + i)) === null) return;
  }
}

/** A primary operation the standard scenarios race against the device. */
export interface Workload {
  readonly description: string;
  readonly reference: string;
  readonly thread: string;
  /** Device stores (a second one may use an entry the first loaded). */
  readonly stores: number;
  readonly world?: WorldOptions;
  body(w: DriverWorld): Sim<unknown>;
}

/** The standard workloads, by name: `mmulab explore <name> --driver ./driver.ts`. */
export const workloads: Readonly<Record<string, Workload>> = {
  munmap: {
    description: 'a device store faults in a translation while munmap() unmaps and frees the page',
    reference: 'mm/vma.c unmap_region (mmap_lock held for write)',
    thread: 'munmap',
    stores: 1,
    body: (w) => munmap(w.mm, 0, 1),
  },
  dontneed: {
    description:
      'a device store faults in a translation while MADV_DONTNEED (mmap_lock for read) zaps and frees the page',
    reference: 'mm/madvise.c madvise_dontneed_single_vma, mm/memory.c zap_page_range_single',
    thread: 'dontneed',
    stores: 1,
    body: (w) => madviseDontneed(w.mm, 0, 1),
  },
  reclaim: {
    description:
      'a device store faults in a translation while reclaim (the rmap lock, no mmap_lock) unmaps the page to swap',
    reference: 'mm/vmscan.c shrink_folio_list, mm/rmap.c try_to_unmap_one',
    thread: 'reclaim',
    stores: 1,
    body: (w) => {
      // Isolated from the LRU before the run: the isolation holds a reference.
      const page = w.mm.frame(w.pfn);
      page.refcount++;
      return shrinkIsolatedPage(w.mm, 0, page);
    },
  },
  fork: {
    description: 'device stores race with fork() write-protecting the page for COW',
    reference: 'kernel/fork.c dup_mmap, mm/memory.c copy_present_pte (MMU_NOTIFY_PROTECTION_PAGE)',
    thread: 'fork',
    stores: 2,
    body: (w) => fork(w.mm, 'child'),
  },
};

/** Scenario metadata beyond the workload's: a name, which bugs it must find, which it cannot. */
export interface DriverScenarioMeta {
  readonly name: string;
  readonly description?: string;
  readonly reference?: string;
  /** Bug flags of the driver this scenario exposes; the rest go to `safe` with a reason. */
  readonly found: readonly string[];
  readonly safe?: Readonly<Record<string, string>>;
  /** World options over the workload's (an era). */
  readonly world?: WorldOptions;
}

/** A standard workload run against a driver, as a catalogue scenario. */
export function driverScenario(
  driver: SecondaryMmuDriver,
  workload: string,
  meta: DriverScenarioMeta,
): Scenario {
  const wl = workloads[workload];
  if (!wl) throw new Error(`[mmulab internal bug] no workload '${workload}'`);
  const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, driver.bugs[n] ?? '']));
  return {
    name: meta.name,
    description: meta.description ?? wl.description,
    reference: meta.reference ?? wl.reference,
    secondary: driver.name,
    designs: driver.designs,
    threads: ['device', wl.thread],
    bugs: pick(meta.found),
    safeBugs: meta.safe ?? {},
    build(opts) {
      const bugs = [...opts.bugs].sort();
      return {
        name: `${meta.name}[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
        setup(rt) {
          const w = driverWorld(rt, driver, opts, { ...wl.world, ...meta.world });
          rt.spawn('device', () => deviceStores(w, wl.stores));
          rt.spawn(wl.thread, () => wl.body(w));
        },
      };
    },
  };
}

/** Every standard workload against a user's driver (`--driver`), named by the workload. */
export function driverScenarios(driver: SecondaryMmuDriver): Scenario[] {
  return Object.keys(workloads).map((name) =>
    driverScenario(driver, name, { name, found: Object.keys(driver.bugs) }),
  );
}
