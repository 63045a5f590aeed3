import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRenderPool } from '../../src/server/modules/reports/render-pool.js';
import { sampleModel } from '../../src/server/modules/reports/render/sample.js';

/** Render processes are background work: below the API's CPU priority, every thread of them. */
const linux = process.platform === 'linux';
const chrt = ['/usr/bin/chrt', '/bin/chrt'].some((p) => fs.existsSync(p));

/** The render processes this test process started (its children running render-process). */
function renderPids(): number[] {
  const kids = fs.readdirSync('/proc/self/task').flatMap((t) => fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  return kids.map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('render-process');
    } catch {
      return false;
    }
  });
}

/** Scheduling policy and nice value of each thread of a process, from /proc/<pid>/task/<tid>/sched. */
function threads(pid: number): { policy: number; nice: number }[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const sched = fs.readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { policy: Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]), nice: Number(stat[16]) };
  });
}

describe.skipIf(!linux)('render process priority', () => {
  it('runs every thread of a render process below the API: the idle scheduling class (chrt), else niced', async () => {
    const pool = createRenderPool({ size: 1, idleMs: 60_000, memoryMb: 512, nice: 10, log: { warn: () => undefined } });
    try {
      const out = await pool.render('json', { model: sampleModel({ findings: 3, format: 'json' }), assets: {} }, { timeoutMs: 60_000, onProgress: () => undefined });
      expect(JSON.parse(out.toString()).findings).toHaveLength(3);
      const [pid] = renderPids();
      expect(pid).toBeDefined();
      const all = threads(pid!);
      expect(all.length).toBeGreaterThan(1);
      // SCHED_IDLE is policy 5; without chrt, SCHED_OTHER (0) at nice 10 on every thread.
      for (const t of all) expect(t).toEqual(chrt ? { policy: 5, nice: expect.any(Number) } : { policy: 0, nice: 10 });
    } finally {
      await pool.close();
    }
  });
});
