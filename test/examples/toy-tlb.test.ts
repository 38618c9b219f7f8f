import { describe, expect, it } from 'vitest';
import toyTlb from '../../examples/toy-tlb.js';
import { explore } from '../../src/explore/explorer.js';
import { makeStrategy } from '../../src/explore/strategies/index.js';
import { buildScenario } from '../../src/scenarios/catalogue.js';
import { driverScenarios } from '../../src/scenarios/races/driver-world.js';
import { cli } from '../cli/run.js';

const scenarios = driverScenarios(toyTlb);

describe('examples/toy-tlb.ts (docs/driver-guide.md)', () => {
  it('runs in the four standard workloads', () => {
    expect(scenarios.map((s) => s.name)).toEqual(['munmap', 'dontneed', 'reclaim', 'fork']);
    expect(toyTlb.bugs).toHaveProperty('noRetryCheck');
  });

  it('the correct driver is verified against munmap (dpor, 2,212 runs)', () => {
    const v = explore(buildScenario('munmap', {}, scenarios), {
      strategy: makeStrategy('dpor'),
      maxRuns: 100_000,
    });
    expect(v.kind).toBe('verified');
    expect(v.runs).toBe(2212);
  });

  it('noRetryCheck: a translation installed inside MADV_DONTNEED’s bracket', () => {
    const v = explore(buildScenario('dontneed', { bugs: ['noRetryCheck'] }, scenarios), {
      strategy: makeStrategy('dpor'),
      maxRuns: 100_000,
    });
    expect(v.kind === 'violation' && v.violation.message).toBe(
      "toy.tlb[0] maps page1 inside madvise_dontneed's MMU_NOTIFY_CLEAR [0, 1) after toy-tlb's invalidate_range_start returned",
    );
  });

  it('mmulab explore --driver prints the verdict and a replay command that carries the driver', async () => {
    const r = await cli(
      'explore',
      'dontneed',
      '--driver',
      'examples/toy-tlb.ts',
      '--strategy',
      'dpor',
      '--bug',
      'noRetryCheck',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('violation: stale-translation');
    const replayLine = r.out.split('\n').find((l) => l.startsWith('replay: '))!;
    expect(replayLine).toMatch(
      /^replay: mmulab replay dontneed --driver examples\/toy-tlb\.ts --bug noRetryCheck --token m1\.\S+$/,
    );
    const again = await cli(...replayLine.slice('replay: mmulab '.length).split(' '));
    expect(again.code).toBe(1);
    const ok = await cli('explore', 'munmap', '--driver', 'examples/toy-tlb.ts', '--strategy', 'dpor');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('verified: every schedule ran');
  });
});

describe('docs/driver-guide.md', () => {
  it('shows examples/toy-tlb.ts verbatim', async () => {
    const { readFileSync } = await import('node:fs');
    const guide = readFileSync('docs/driver-guide.md', 'utf8');
    const example = readFileSync('examples/toy-tlb.ts', 'utf8');
    expect(guide).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
