import { describe, expect, it } from 'vitest';
import { colourEnabled, colours, textPalette, verdictColour } from '../../src/cli/colour.js';

describe('colour', () => {
  it('colours a terminal, never --json, NO_COLOR or a pipe', () => {
    expect(colourEnabled({ isTty: true, env: {} })).toBe(true);
    expect(colourEnabled({ isTty: true, json: true, env: {} })).toBe(false);
    expect(colourEnabled({ isTty: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(colourEnabled({ isTty: true, env: { NO_COLOR: '' } })).toBe(true);
    expect(colourEnabled({ isTty: false, env: {} })).toBe(false);
    expect(colourEnabled({ isTty: true, env: { TERM: 'dumb' } })).toBe(false);
    expect(colourEnabled({ isTty: false, env: { FORCE_COLOR: '1' } })).toBe(true);
    expect(colourEnabled({ isTty: false, env: { FORCE_COLOR: '1', NO_COLOR: 'x' } })).toBe(false);
  });

  it('emits ANSI sequences only when enabled', () => {
    const on = colours({ isTty: true, env: {} });
    const off = colours({ isTty: true, env: { NO_COLOR: '1' } });
    expect(on.red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(off.red('x')).toBe('x');
    const v = { kind: 'verified', runs: 1, steps: 1, ms: 0, strategy: 'dfs' } as const;
    expect(verdictColour(on, v, 'verified')).toBe('\u001b[1m\u001b[32mverified\u001b[39m\u001b[22m');
    expect(verdictColour(off, v, 'verified')).toBe('verified');
  });

  it('gives the text trace a palette by kind', () => {
    const p = textPalette(colours({ isTty: true, env: {} }));
    expect(p.kind('lock', 'spin_lock')).toBe('\u001b[31mspin_lock\u001b[39m');
    expect(p.kind('tlb-flush', 'f')).toBe('\u001b[36mf\u001b[39m');
    expect(p.kind('some-new-kind', 'n')).toBe('\u001b[2mn\u001b[22m');
    expect(textPalette(colours({ isTty: false, env: {} })).kind('lock', 'spin_lock')).toBe('spin_lock');
  });
});
