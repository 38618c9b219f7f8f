import { describe, expect, it } from 'vitest';
import { recordRun } from '../../src/report/record.js';
import { renderText, type TextPalette } from '../../src/report/text.js';
import { lockOrderInversion } from '../../src/scenarios/demos.js';
import { firstViolation, kvmRace } from './fixtures.js';

describe('renderText', () => {
  it('prints one line a step with task and step columns, callbacks indented as function_graph does', () => {
    const p = kvmRace();
    const token = firstViolation(p);
    const text = renderText(recordRun(p, token), { replayCommand: `mmulab replay ${p.name} ${token}` });
    expect(text).toBe(`# tracer: mmulab (function_graph style)
# program: kvm-fault-vs-munmap
# replay:  mmulab replay kvm-fault-vs-munmap ${token}
# steps: 9  threads: T0(vcpu0) T1(munmap)
#
# TASK-TID    STEP | FUNCTION CALLS
#    |   |      |  | |   |   |   |
   vcpu0-0         | /* spawn vcpu0 */
   vcpu0-0         | kvm_tdp_page_fault() {
   vcpu0-0         |   hva_to_pfn() {
  munmap-1         | /* spawn munmap */
  munmap-1         | unmap_region() {
   vcpu0-0  [0000] |     read pte[0x7f00] = 4096
   vcpu0-0         |   } /* hva_to_pfn */
  munmap-1  [0001] |   write pte[0x7f00] := 0
  munmap-1         |   /* pte: pte[0x7f00] pfn 0x1000 -> none */
  munmap-1         |   /* tlb-flush: flush_tlb_range 0x7f00-0x8000 */
  munmap-1         |   mmu_notifier_invalidate_range_start() {
  munmap-1         |     kvm_mmu_notifier_invalidate_range_start() {
  munmap-1  [0002] |       spin_lock(kvm.mmu_lock) = true
  munmap-1  [0003] |       write spte[0x7f00] := 0
  munmap-1  [0004] |       spin_unlock(kvm.mmu_lock)
  munmap-1         |     } /* kvm_mmu_notifier_invalidate_range_start */
  munmap-1         |   } /* mmu_notifier_invalidate_range_start */
   vcpu0-0  [0005] |   spin_lock(kvm.mmu_lock) = true
   vcpu0-0  [0006] |   write spte[0x7f00] := 4096
   vcpu0-0  [0007] |   spin_unlock(kvm.mmu_lock)
   vcpu0-0         | } /* kvm_tdp_page_fault */
   vcpu0-0         | /* exit */
  munmap-1  [0008] |   write page[0x1000].freed := true   <== coherence
  munmap-1         |   /* page-free: pfn 0x1000 */
  munmap-1         | } /* unmap_region */
  munmap-1         | /* exit */
#
# VIOLATION coherence at step 8 by T1(munmap): spte maps pfn 0x1000, which munmap freed
`);
  });

  it('names no thread for a deadlock and marks no step', () => {
    const text = renderText(recordRun(lockOrderInversion, firstViolation(lockOrderInversion)));
    expect(text).not.toContain('<==');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '# VIOLATION deadlock at step 1: T0(ab) waits for spin_lock(B) held by T1(ba); T1(ba) waits for spin_lock(A) held by T0(ab)',
    );
  });

  it('passes every styled piece through the palette', () => {
    const p = kvmRace();
    const tag: TextPalette = {
      task: (s) => `<t>${s}</t>`,
      kind: (k, s) => `<${k}>${s}</${k}>`,
      violation: (s) => `<v>${s}</v>`,
      dim: (s) => `<d>${s}</d>`,
    };
    const text = renderText(recordRun(p, firstViolation(p)), { palette: tag });
    expect(text).toContain('<t>munmap-1</t>  [0002] |       <lock>spin_lock(kvm.mmu_lock) = true</lock>');
    expect(text).toContain('<pte>/* pte: pte[0x7f00] pfn 0x1000 -> none */</pte>');
    expect(text).toContain('<callback>mmu_notifier_invalidate_range_start() {</callback>');
    expect(text).toContain('<v>   <== coherence</v>');
  });
});
