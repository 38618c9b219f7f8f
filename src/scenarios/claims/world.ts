import { noTranslationToFreedPage, watchCoherence } from '../../check/index.js';
import type { SecondaryView } from '../../check/view.js';
import type { MmuNotifierChain } from '../../notifier/chain.js';
import { type ChainOptions, designs, makeChain } from '../../notifier/designs.js';
import { Mm, type MmEra } from '../../primary/mm.js';
import { PageAllocator } from '../../primary/page.js';
import type { Runtime } from '../../sim/runtime.js';
import type { Sim } from '../../sim/step.js';
import type { Scenario, ScenarioOptions } from '../scenario.js';
import type { Device } from './device.js';

/** The value every populated page starts with. */
export const INITIAL = 7;

export interface ClaimWorld {
  readonly mm: Mm;
  readonly chain: MmuNotifierChain;
  /** pfn of the page populated at each address. */
  readonly pfns: readonly number[];
}

/**
 * `size` anonymous private pages, each faulted in (PTE present, writable, not young), one
 * VMA over them, and the design's chain on the mm (published even with no subscriber yet).
 */
export function claimWorld(
  opts: ScenarioOptions,
  size: number,
  gatherCapacity = 8,
  era?: MmEra,
  chainOpts: ChainOptions = {},
): ClaimWorld {
  const mm = new Mm('mm', new PageAllocator(size + 3), {
    size,
    vmas: [{ start: 0, end: size, write: true, private: true }],
    gatherCapacity,
    ...(era ? { era } : {}),
  });
  const pfns = Array.from({ length: size }, (_, a) => mm.populate(a, INITIAL));
  const chain = makeChain(opts.design, mm, chainOpts);
  mm.notifierSubscriptions = chain;
  return { mm, chain, pfns };
}

/** What the checks read of the device. */
export function deviceView(dev: Device): SecondaryView {
  return {
    get subscriber() {
      return dev.subscriber;
    },
    translations: () => dev.translations(),
    invalidationsInProgress: () => dev.invalidationsInProgress() ?? 0,
  };
}

/** Installs coherence, stale-translation and pairing on the run. */
export function watch(rt: Runtime, w: ClaimWorld, views: readonly SecondaryView[]): void {
  watchCoherence(rt, w.mm, w.chain, views);
}

/**
 * Only the first half of coherence (no translation to a freed page), with the objects it
 * reads declared, so DPOR may commute every other write (the undeclared checks, stale
 * translation and pairing, make all writes dependent, which three threads cannot afford).
 * A page's free flag changes in its own put_page step or the allocator's alloc step; the
 * device's entries only in steps of its TLB. The PT lock and the PTE words are declared
 * too: a PT-lock section writes PTEs inside a step on the lock, which gup-fast's step on the
 * PTE word must not be taken to commute with.
 */
export function watchFreedPages(rt: Runtime, w: ClaimWorld, dev: Device): void {
  rt.invariant('coherence', noTranslationToFreedPage(w.mm, [deviceView(dev)]), [
    ...w.mm.pages.frames,
    w.mm.pages,
    w.mm.ptl,
    ...w.mm.ptes,
    dev.tlb,
  ]);
}

/** Every design, in the registry's (historical) order; `classic` first as the default. */
export const allDesigns: readonly string[] = [
  'classic',
  ...Object.keys(designs).filter((d) => d !== 'classic'),
];

/** A claim scenario: every design, the bug flags its variants turn on, two or three threads. */
export function claimScenario(s: {
  readonly name: string;
  /** Default: every design. */
  readonly designs?: readonly string[];
  readonly description: string;
  readonly reference: string;
  readonly secondary: string;
  readonly threads: readonly string[];
  readonly bugs: Readonly<Record<string, string>>;
  readonly catalogueDesign?: string;
  readonly correctFails?: string;
  readonly spawn: (
    rt: Runtime,
    opts: ScenarioOptions,
    bugs: ReadonlySet<string>,
  ) => Array<() => Sim<unknown>>;
}): Scenario {
  return {
    name: s.name,
    description: s.description,
    reference: s.reference,
    secondary: s.secondary,
    designs: s.designs ?? allDesigns,
    ...(s.catalogueDesign === undefined ? {} : { catalogueDesign: s.catalogueDesign }),
    ...(s.correctFails === undefined ? {} : { correctFails: s.correctFails }),
    bugs: s.bugs,
    safeBugs: {},
    threads: s.threads,
    build(opts) {
      const bugs = [...opts.bugs].sort();
      return {
        name: `${s.name}[${opts.design}${bugs.length ? ` ${bugs.join(',')}` : ''}]`,
        setup(rt) {
          const bodies = s.spawn(rt, opts, new Set(bugs));
          bodies.forEach((body, i) => {
            rt.spawn(s.threads[i]!, body);
          });
        },
      };
    },
  };
}
