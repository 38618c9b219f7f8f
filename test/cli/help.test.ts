import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/exit.js';
import { main } from '../../src/cli/main.js';

function io(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    isTty: false,
    stdout: () => out,
    stderr: () => err,
  };
}

describe('help', () => {
  it('mmulab --help lists the commands and ends with examples', async () => {
    const b = io();
    expect(await main(['node', 'mmulab', '--help'], b)).toBe(0);
    expect(b.stdout()).toMatch(/Commands:\n {2}catalogue .*\n(.*\n)* {2}demo .*\n(.*\n)* {2}explore /);
    expect(b.stdout()).toContain('Examples:\n  $ mmulab\n      the main job');
    expect(b.stdout()).toContain('  $ mmulab explore kvm-munmap --bug no-retry-check\n');
    expect(b.stderr()).toBe('');
  });

  it('each command has its own help with examples', async () => {
    const b = io();
    expect(await main(['node', 'mmulab', 'demo', '--help'], b)).toBe(0);
    expect(b.stdout()).toMatch(/^Usage: mmulab demo/);
    expect(b.stdout()).toContain('Examples:\n  $ mmulab demo\n      one row a demo');
  });

  it('a bad option is one line on stderr and exit 2', async () => {
    const b = io();
    expect(await main(['node', 'mmulab', 'demo', '--frobnicate'], b)).toBe(2);
    expect(b.stderr()).toBe("error: unknown option '--frobnicate'\n");
  });
});
