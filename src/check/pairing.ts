import type { MmuNotifierChain } from '../notifier/chain.js';
import type { SecondaryView } from './view.js';

/**
 * Pairing: a secondary's count of open invalidations never goes negative and is zero
 * whenever the chain has no invalidation in flight (every start had its end).
 */
export function pairing(chain: MmuNotifierChain, secondaries: readonly SecondaryView[]): () => string | null {
  return () => {
    for (const s of secondaries) {
      const n = s.invalidationsInProgress?.();
      if (n === undefined) continue;
      if (n < 0) return `${s.subscriber.name}: ${n} invalidations in progress (more ends than starts)`;
      if (n > 0 && chain.active.length === 0) {
        return `${s.subscriber.name}: ${n} invalidation(s) in progress with none in flight (a start without its end)`;
      }
    }
    return null;
  };
}
