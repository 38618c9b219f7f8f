import type { Io } from '../../src/cli/exit.js';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process with captured output. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), isTty: false };
  const code = await main(['node', 'mmulab', ...args], io);
  return { code, out, err };
}
