import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { PctStrategy } from '../../src/explore/strategies/pct.js';
import { RandomStrategy } from '../../src/explore/strategies/random.js';
import { buildScenario } from '../../src/scenarios/catalogue.js';

/**
 * kvm-postcopy's state space (KVM's retrying fault path, gup, the uffd queues, a notifier
 * bracket) is beyond an exhaustive search in a test: the correct protocol is checked by bounded
 * random and PCT searches, each bug by the violation a search finds and its token's replay.
 */
describe('kvm-postcopy', () => {
  it('the correct kernel and manager: no violation in 3,000 random and 3,000 PCT runs (bounded)', () => {
    const p = buildScenario('kvm-postcopy');
    expect(explore(p, { strategy: new RandomStrategy(1), maxRuns: 3000 }).kind).toBe('bounded');
    expect(explore(p, { strategy: new PctStrategy(1, 3), maxRuns: 3000 }).kind).toBe('bounded');
  });

  it.each([
    ['copy-dontwake', 'deadlock', /T0\(vcpu0\) waits for handle_userfault: schedule/],
    ['must-wait-before-queue', 'deadlock', /T0\(vcpu0\) waits for handle_userfault: schedule/],
    ['copy-after-remove', 'guest-data', /after the balloon discarded it: a stale COPY/],
  ] as const)('%s: a random search finds %s and the token replays it', (bug, name, message) => {
    const p = buildScenario('kvm-postcopy', { bugs: [bug] });
    const v = explore(p, { strategy: new RandomStrategy(1), maxRuns: 10_000 });
    expect(v.kind).toBe('violation');
    if (v.kind !== 'violation') return;
    expect(v.violation.name).toBe(name);
    expect(v.violation.message).toMatch(message);
    expect(replay(p, v.token).violation).toEqual(v.violation);
  });
});
