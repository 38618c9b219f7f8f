/**
 * Seed 003's claims, the verdict each design must get: 'verified' (dpor finished, no cut) or
 * the invariant dpor reports. `bounded` marks a cell whose search is cut in the test budget:
 * the test then asserts no violation within it.
 */
export const expected: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'claim-aging': {
    emm: 'aging',
    classic: 'verified',
    'rcu-register': 'verified',
    'seqlock-register': 'verified',
    interval: 'verified',
  },
  'claim-register-race': {
    emm: 'coherence',
    classic: 'verified',
    'rcu-register': 'coherence',
    'seqlock-register': 'coherence',
    interval: 'verified',
  },
  'claim-end-without-start +assumes-pairing': {
    emm: 'pairing',
    classic: 'verified',
    'rcu-register': 'pairing',
    'seqlock-register': 'pairing',
    interval: 'verified',
  },
  'claim-end-without-start': {
    emm: 'verified',
    classic: 'verified',
    'rcu-register': 'verified',
    'seqlock-register': 'verified',
    interval: 'verified',
  },
  'claim-parallel-starts +global-seqcount': {
    emm: 'coherence',
    classic: 'coherence',
    'rcu-register': 'coherence',
    'seqlock-register': 'coherence',
    interval: 'bounded',
  },
  'claim-parallel-starts': {
    emm: 'verified',
    classic: 'verified',
    'rcu-register': 'sleep-in-atomic',
    'seqlock-register': 'verified',
    interval: 'bounded',
  },
  'claim-put-page-before-flush +put-page-before-flush': {
    emm: 'coherence',
    classic: 'coherence',
    'rcu-register': 'coherence',
    'seqlock-register': 'coherence',
    interval: 'coherence',
  },
  'claim-put-page-before-flush': {
    emm: 'verified',
    classic: 'verified',
    'rcu-register': 'verified',
    'seqlock-register': 'verified',
    interval: 'verified',
  },
  'claim-failed-start +core-pre-5.12': {
    emm: 'pairing',
    classic: 'pairing',
    'rcu-register': 'verified',
    'seqlock-register': 'verified',
    interval: 'verified',
  },
  'claim-failed-start': {
    emm: 'pairing',
    classic: 'verified',
    'rcu-register': 'verified',
    'seqlock-register': 'verified',
    interval: 'verified',
  },
};
