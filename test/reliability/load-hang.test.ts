import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const LOAD_HANG = 'test/fixtures/drivers/load-hang.ts';
const INIT_HANG = 'test/fixtures/drivers/init-hang.ts';
const HOSTILE = 'test/fixtures/drivers/hostile.ts';

const importHang = (ms: number) =>
  `mmulab: driver ${LOAD_HANG}: importing it did not finish in ${ms} ms (a loop at the module's top level that never yields?)\n`;
const initHang = (ms: number) =>
  `mmulab: driver init-hang (${INIT_HANG}): init on the probe mm did not finish in ${ms} ms (a loop in init that never yields?)\n`;

describe('a driver that loops while it loads is one line and exit 2, not a hung process', () => {
  it('explore: a loop at the module top level', async () => {
    const r = await cli('explore', 'munmap', '--driver', LOAD_HANG, '--strategy', 'dpor');
    expect(r).toEqual({ code: 2, out: '', err: importHang(2000) });
  });

  it('explore: a loop in init, named with the driver; --step-timeout above 2,000 ms raises the limit', async () => {
    const r = await cli('explore', 'munmap', '--driver', INIT_HANG, '--step-timeout', '2500');
    expect(r).toEqual({ code: 2, out: '', err: initHang(2500) });
  });

  it('replay, explore --workers and fuzz load through the same probe', async () => {
    const replay = await cli('replay', 'munmap', '--driver', INIT_HANG, '--token', 'm1.AAc');
    expect(replay).toEqual({ code: 2, out: '', err: initHang(2000) });
    const split = await cli('explore', 'munmap', '--driver', LOAD_HANG, '--workers', '2');
    expect(split).toEqual({ code: 2, out: '', err: importHang(2000) });
    const fuzz = await cli('fuzz', '--driver', INIT_HANG);
    expect(fuzz).toEqual({ code: 2, out: '', err: initHang(2000) });
  });

  it('a module that calls process.exit while it loads ends only the probe thread: one line, exit 2', async () => {
    const r = await cli('explore', 'munmap', '--driver', 'test/fixtures/drivers/load-exit.ts');
    expect(r).toEqual({
      code: 2,
      out: '',
      err: 'mmulab: cannot load driver test/fixtures/drivers/load-exit.ts: it ended the thread (exit code 3) while loading\n',
    });
  });

  it('the other load failures keep their lines; a driver that loads runs as before', async () => {
    const missing = await cli('explore', 'munmap', '--driver', 'test/fixtures/drivers/none.ts');
    expect(missing).toEqual({
      code: 2,
      out: '',
      err: 'mmulab: cannot load driver test/fixtures/drivers/none.ts: no such file\n',
    });
    const ok = await cli('explore', 'munmap', '--driver', HOSTILE, '--strategy', 'dpor');
    expect([ok.code, ok.err, ok.out.split('\n')[1]]).toEqual([
      1,
      '',
      'violation: stale-translation, found after 57 run(s)',
    ]);
  });
});
