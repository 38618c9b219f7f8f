import type { MmuNotifierChain } from '../notifier/chain.js';
import type { Mm } from '../primary/mm.js';
import type { Runtime } from '../sim/runtime.js';
import { noStaleTranslation, noTranslationToFreedPage } from './coherence.js';
import { pairing } from './pairing.js';
import type { SecondaryView } from './view.js';

export { AgingOracle } from './aging.js';
export { noStaleTranslation, noTranslationToFreedPage } from './coherence.js';
export { checkSecondaryWrite } from './integrity.js';
export { pairing } from './pairing.js';
export type { SecondaryView, Translation } from './view.js';

/** Installs the step invariants on a run: coherence (two halves) and pairing. */
export function watchCoherence(
  rt: Runtime,
  mm: Mm,
  chain: MmuNotifierChain,
  secondaries: readonly SecondaryView[],
): void {
  rt.invariant('coherence', noTranslationToFreedPage(mm, secondaries));
  rt.invariant('stale-translation', noStaleTranslation(mm, chain, secondaries));
  rt.invariant('pairing', pairing(chain, secondaries));
}
