import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

describe('mmulab demo', () => {
  it('prints every demo with its expected verdict and exits 0', async () => {
    const r = await cli('demo');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^demo +verdict \(dfs\)/);
    expect(r.out).toContain('lock-order-inversion    violation: deadlock');
    expect(r.out).toContain('notifier-race-2t-fixed  verified                    483');
    expect(r.out).not.toContain('EXPECTED');
  });

  it('bad arguments get one line and exit 2', async () => {
    for (const args of [['bogus-command'], ['demo', '--frobnicate']]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});
