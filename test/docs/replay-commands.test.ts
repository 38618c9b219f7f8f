import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

/**
 * Every `mmulab replay ... --token T` command shown in README.md and docs/ must still replay
 * its violation (exit 1): a doc whose token stopped fitting the model is a defect.
 */
const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const commands = new Set<string>();
for (const f of files) {
  for (const m of readFileSync(f, 'utf8').matchAll(/mmulab replay [^`|\n]*?--token m1\.[A-Za-z0-9_-]+/g)) {
    commands.add(m[0]);
  }
}

describe('replay commands in the docs', () => {
  it('there are some', () => {
    expect(commands.size).toBeGreaterThan(5);
  });

  for (const c of commands) {
    it(c, async () => {
      const r = await cli(...c.replace(/^mmulab /, '').split(/\s+/));
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
    });
  }
});
