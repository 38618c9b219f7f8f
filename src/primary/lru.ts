import { type Sim, SimObject, Step } from '../sim/step.js';
import type { PageFrame } from './page.js';

/** One page on the LRU and how reclaim shrinks it once isolated (its mm and address). */
export interface LruFolio {
  readonly page: PageFrame;
  /** shrink_folio_list() for this page, the isolation reference held; what became of it. */
  shrink(): Sim<'activated' | 'reclaimed' | 'kept'>;
}

/**
 * The inactive anonymous LRU list of the one node (lruvec, reduced to a list): direct
 * reclaim isolates pages from its tail. Pages are put on it by the scenario's setup.
 */
export class Lru extends SimObject {
  private readonly folios: LruFolio[] = [];
  /** Every page ever on the list: isolation writes the refcount of whichever is the tail. */
  private readonly pages: PageFrame[] = [];
  /** isolate_lru_folios(): takes the tail page off the list with a reference (folio_get). */
  readonly isolateStep = new Step(this, 'isolate_lru_folios', 'rmw');

  constructor(name = 'lru') {
    super(name);
    this.isolateStep.touches = this.pages;
  }

  /** Setup only: `folio` goes to the head of the list. */
  add(folio: LruFolio): void {
    this.folios.unshift(folio);
    this.pages.push(folio.page);
  }

  get length(): number {
    return this.folios.length;
  }

  override run(): unknown {
    const folio = this.folios.pop();
    if (folio) folio.page.refcount++;
    return folio ?? null;
  }

  override snapshot(): unknown {
    return this.folios.length;
  }
}

/** isolate_lru_folios() for one page: the LRU tail with a reference held, or null. */
export function* isolateLruFolio(lru: Lru): Sim<LruFolio | null> {
  return (yield lru.isolateStep) as LruFolio | null;
}
