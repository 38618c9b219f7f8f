import { accessAudit } from '../sim/audit.js';
import { type Sim, SimObject, Step } from '../sim/step.js';
import type { SimThread } from '../sim/thread.js';
import { fail } from '../sim/violation.js';

/**
 * struct page / folio of one base page: refcount (get_page/put_page), mapcount (how many
 * PTEs map it), contents (one word stands for the page's data), and whether it sits on the
 * free list. Refcount and free list change atomically in one step, as put_page's final
 * reference frees the page (free_unref_page) without a lock the caller could hold.
 */
export class PageFrame extends SimObject {
  private f = { refcount: 0, mapcount: 0, data: 0, free: true };

  get refcount(): number {
    if (accessAudit !== null) accessAudit(this, false);
    return this.f.refcount;
  }
  set refcount(v: number) {
    if (accessAudit !== null) accessAudit(this, true);
    this.f.refcount = v;
  }
  /** Changed under the page-table lock of every mm that maps the page. */
  get mapcount(): number {
    if (accessAudit !== null) accessAudit(this, false);
    return this.f.mapcount;
  }
  set mapcount(v: number) {
    if (accessAudit !== null) accessAudit(this, true);
    this.f.mapcount = v;
  }
  /** The page's contents. Written by primary and secondary accesses. */
  get data(): number {
    if (accessAudit !== null) accessAudit(this, false);
    return this.f.data;
  }
  set data(v: number) {
    if (accessAudit !== null) accessAudit(this, true);
    this.f.data = v;
  }
  get free(): boolean {
    if (accessAudit !== null) accessAudit(this, false);
    return this.f.free;
  }
  set free(v: boolean) {
    if (accessAudit !== null) accessAudit(this, true);
    this.f.free = v;
  }
  /** Frees so far: a page reused after a free is a different generation. */
  generation = 0;
  readonly getStep: Step;
  readonly putStep: Step;

  constructor(
    readonly pfn: number,
    private readonly allocator: PageAllocator,
  ) {
    super(`page${pfn}`);
    this.getStep = new Step(this, 'get_page', 'rmw');
    this.putStep = new Step(this, 'put_page', 'rmw');
  }

  override run(step: Step, t: SimThread): unknown {
    if (this.free) fail('use-after-free', `${t.label} calls ${step.op}(${this.name}) on a free page`);
    if (step === this.getStep) return ++this.refcount;
    if (step.op === 'copy_user_highpage') {
      (step.arg as PageFrame).data = this.data;
      return this.data;
    }
    // A read of the contents (swap_writepage): no reference changes.
    if (step.access === 'read') return this.data;
    if (--this.refcount === 0) this.allocator.release(this);
    return this.refcount;
  }

  override describe(step: Step, result: unknown): string {
    if (step.op === 'copy_user_highpage') {
      return `copy_user_highpage(${(step.arg as PageFrame).name} <- ${this.name}) data ${String(result)}`;
    }
    if (step.access === 'read') return `${step.op}(${this.name}) data ${String(result)}`;
    const freed = step === this.putStep && result === 0 ? ': freed to the free list' : '';
    return `${step.op}(${this.name}) -> refcount ${String(result)}${freed}`;
  }

  override snapshot(): unknown {
    return this.refcount;
  }
}

/** The buddy allocator of a tiny machine: a LIFO free list, so a freed page is reused first. */
export class PageAllocator extends SimObject {
  readonly frames: PageFrame[] = [];
  readonly freeList: PageFrame[] = [];
  readonly allocStep = new Step(this, 'alloc_page', 'rmw');

  constructor(nframes: number) {
    super('free_list');
    for (let pfn = 1; pfn <= nframes; pfn++) {
      const f = new PageFrame(pfn, this);
      this.frames.push(f);
    }
    for (let i = this.frames.length - 1; i >= 0; i--) this.freeList.push(this.frames[i]!);
    // Taking a page off the free list writes it (free, refcount).
    this.allocStep.touches = this.frames;
  }

  frame(pfn: number): PageFrame {
    const f = this.frames[pfn - 1];
    if (!f) throw new Error(`[mmulab internal bug] no page frame ${pfn}`);
    return f;
  }

  /** Takes a page off the free list with refcount 1 and zeroed contents (no step: setup). */
  take(): PageFrame | null {
    const f = this.freeList.pop();
    if (!f) return null;
    f.free = false;
    f.refcount = 1;
    f.mapcount = 0;
    f.data = 0;
    return f;
  }

  release(f: PageFrame): void {
    f.free = true;
    f.generation++;
    this.freeList.push(f);
  }

  override run(): unknown {
    const f = this.take();
    return f ? f.pfn : 0;
  }

  override describe(_step: Step, result: unknown): string {
    return result === 0 ? 'alloc_page() = NULL (out of memory)' : `alloc_page() = page${String(result)}`;
  }
}

/** alloc_page(GFP_HIGHUSER_MOVABLE): a zeroed page with one reference, or 0. */
export function* allocPage(a: PageAllocator): Sim<number> {
  return (yield a.allocStep) as number;
}

/** get_page(): one more reference. */
export function* getPage(f: PageFrame): Sim<void> {
  yield f.getStep;
}

/** put_page(): drops a reference; the last one frees the page. Returns the new refcount. */
export function* putPage(f: PageFrame): Sim<number> {
  return (yield f.putStep) as number;
}

/** copy_user_highpage(): copies `from`'s contents into `to` (a read of `from`). */
export function* copyUserHighpage(to: PageFrame, from: PageFrame): Sim<void> {
  const step = new Step(from, 'copy_user_highpage', 'read', false, to);
  step.touches = [to];
  yield step;
}

/**
 * get_page() inside a PT-lock section (no step of its own): the PTE that maps the page,
 * stable under the lock, holds a reference, so no put_page can free it meanwhile and the
 * increment commutes with every step that could run inside the section.
 */
export function getPageLocked(f: PageFrame): void {
  if (f.free) throw new Error(`[mmulab internal bug] get_page on free ${f.name} under the PT lock`);
  f.refcount++;
}
