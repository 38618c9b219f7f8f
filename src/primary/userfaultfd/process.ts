/**
 * A process of the userfaultfd model: its mm, its credentials (CAP_SYS_PTRACE), the
 * vm.unprivileged_userfaultfd sysctl, and the kernel lock every path takes its steps on.
 */
import { KernelLock } from './kernel.js';
import { UffdMm } from './memory.js';

export class UffdProcess {
  readonly mm: UffdMm;
  /** CAP_SYS_PTRACE in the effective set (the oracle runs as root). */
  capSysPtrace = true;
  /** vm.unprivileged_userfaultfd (the oracle's machine: 0). */
  unprivilegedUserfaultfd = false;

  constructor(
    readonly kernel: KernelLock = new KernelLock(),
    name = 'main',
  ) {
    this.mm = new UffdMm(name);
  }
}
