import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

/** Every `mmulab fuzz ... --workload '...' --token T` in README.md and docs/ still reproduces its violation. */
const files = ['README.md', ...readdirSync('docs').map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
const commands = new Set<string>();
for (const f of files) {
  for (const m of readFileSync(f, 'utf8').matchAll(/mmulab fuzz [^`\n]*?--token m1\.[A-Za-z0-9_-]+/g))
    commands.add(m[0]);
}

function argv(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('fuzz reproduce commands in the docs', () => {
  it('there are some', () => {
    expect(commands.size).toBeGreaterThanOrEqual(3);
  });

  for (const c of commands) {
    it(c, async () => {
      const r = await cli(...argv(c).slice(1));
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/\nVIOLATION /);
    });
  }
});
