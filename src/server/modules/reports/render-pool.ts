import { fork, spawn as spawnChild, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RenderJob } from './render/index.js';
import { TemplateError, type ReportFormat } from './render/model.js';

/** Where the render process lives, and how to start it (tsx when running from TypeScript). */
const ENTRY = fileURLToPath(new URL(`./render-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * A proxy nobody listens on: every proxy-aware HTTP client in the render process (the Typst
 * package downloader among them) fails at once instead of reaching the network.
 */
const DEAD_PROXY = 'http://127.0.0.1:9';

/** util-linux's chrt, which starts a process in another scheduling class (Linux only). */
const CHRT = process.platform === 'linux' ? ['/usr/bin/chrt', '/bin/chrt'].find((p) => fs.existsSync(p)) : undefined;

export class RenderTimeoutError extends Error {}
/** The render process died mid-job (crash, out of memory, killed): the job may be tried again. */
export class RenderCrashError extends Error {}

export interface RenderPool {
  render(format: ReportFormat, job: RenderJob, opts: { timeoutMs: number; onProgress(percent: number): void; signal?: AbortSignal }): Promise<Buffer>;
  /** Ends every render process (jobs in flight reject with RenderCrashError). */
  close(): Promise<void>;
}

interface Slot {
  child: ChildProcess | undefined;
  /** Resolves when the process has loaded and can take a job (its start-up does not count against the job's time). */
  ready: Promise<void> | undefined;
  busy: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

/** A render process that takes longer than this to start is given up on. */
const START_TIMEOUT_MS = 120_000;

function renderEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: os.tmpdir(),
    TMPDIR: os.tmpdir(),
    NODE_ENV: process.env.NODE_ENV,
    // Packages Typst would look for locally live nowhere: an empty cache and data home.
    XDG_CACHE_HOME: os.tmpdir(),
    XDG_DATA_HOME: os.tmpdir(),
    NO_PROXY: '',
    no_proxy: '',
  };
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'all_proxy']) env[name] = DEAD_PROXY;
  return env;
}

/**
 * Up to `size` render processes, started on demand and ended after `idleMs` without work. Each
 * renders one job at a time; a job that outlives its timeout has its process killed.
 */
export function createRenderPool(opts: { size: number; idleMs: number; memoryMb: number; nice: number; log: { warn(o: object, m: string): void } }): RenderPool {
  const slots: Slot[] = Array.from({ length: opts.size }, () => ({ child: undefined, ready: undefined, busy: false, idleTimer: undefined }));
  const waiting: (() => void)[] = [];
  let nextId = 0;
  let closed = false;

  function start(slot: Slot): ChildProcess {
    const child = spawn();
    slot.child = child;
    slot.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RenderCrashError('the render process did not start in time')), START_TIMEOUT_MS);
      const onMessage = (m: { type?: string }) => {
        if (m?.type !== 'ready') return;
        clearTimeout(timer);
        lowerThreads(child);
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve();
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new RenderCrashError(`the render process ended while starting (exit ${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    slot.ready.catch(() => undefined);
    return child;
  }

  /**
   * Linux gives each thread its own niceness, and setPriority on the process id reaches only its
   * main thread: the threads Node started before that (V8's, libuv's) kept the API's priority and
   * competed with it. Once the process has started, every thread it has is lowered too; threads it
   * starts later (Typst's layout threads) inherit from the thread that starts them.
   */
  function lowerThreads(child: ChildProcess) {
    if (child.pid === undefined || opts.nice <= 0 || process.platform !== 'linux') return;
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${child.pid}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      try {
        os.setPriority(Number(tid), opts.nice);
      } catch {
        // the thread ended meanwhile, or not permitted here
      }
    }
  }

  function spawn(): ChildProcess {
    // --expose-gc: the PDF renderer frees the previous job's compiled document before the next one.
    const execArgv = [`--max-old-space-size=${opts.memoryMb}`, '--expose-gc'];
    if (ENTRY.endsWith('.ts')) execArgv.unshift('--import', 'tsx');
    const stdio: StdioOptions = ['ignore', 'ignore', 'pipe', 'ipc'];
    const options = { env: renderEnv(), serialization: 'advanced' as const, stdio };
    // Linux's idle scheduling class, where chrt is there: the render gets a core only when nothing
    // else wants it, and gives it back the moment a request does.
    const child = opts.nice > 0 && CHRT
      ? spawnChild(CHRT, ['--idle', '0', process.execPath, ...execArgv, ENTRY], options)
      : fork(ENTRY, [], { execArgv, ...options });
    // Rendering is background work: at a lower CPU priority than the API it shares the machine with,
    // so requests keep their latency while a big report renders (it takes the cores nobody else wants).
    if (child.pid !== undefined && opts.nice > 0) {
      try {
        os.setPriority(child.pid, opts.nice);
      } catch {
        // not permitted on this system: the render process runs at the same priority
      }
    }
    return child;
  }

  async function acquire(): Promise<Slot> {
    for (;;) {
      if (closed) throw new RenderCrashError('the render processes are shutting down');
      const free = slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        clearTimeout(free.idleTimer);
        return free;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  }

  function release(slot: Slot) {
    slot.busy = false;
    if (slot.child) {
      const child = slot.child;
      slot.idleTimer = setTimeout(() => {
        if (!slot.busy && slot.child === child) {
          slot.child = undefined;
          child.kill();
        }
      }, opts.idleMs).unref();
    }
    waiting.shift()?.();
  }

  function kill(slot: Slot) {
    slot.child?.kill('SIGKILL');
    slot.child = undefined;
  }

  return {
    async render(format, job, { timeoutMs, onProgress, signal }) {
      const slot = await acquire();
      try {
        const child = slot.child ?? start(slot);
        try {
          await slot.ready;
        } catch (err) {
          kill(slot);
          throw err;
        }
        const id = String(++nextId);
        let stderr = '';
        const onErr = (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000));
        child.stderr?.on('data', onErr);
        return await new Promise<Buffer>((resolve, reject) => {
          const done = () => {
            clearTimeout(timer);
            child.off('message', onMessage);
            child.off('exit', onExit);
            child.stderr?.off('data', onErr);
            signal?.removeEventListener('abort', onAbort);
          };
          const timer = setTimeout(() => {
            done();
            kill(slot);
            reject(new RenderTimeoutError(`the report took longer than ${Math.round(timeoutMs / 1000)} s to render`));
          }, timeoutMs);
          const onAbort = () => {
            done();
            kill(slot);
            reject(new RenderCrashError('rendering was stopped'));
          };
          signal?.addEventListener('abort', onAbort);
          const onMessage = (m: { type: string; id?: string; percent?: number; file?: Uint8Array; message?: string; template?: boolean }) => {
            if (m.id !== id) return;
            if (m.type === 'progress') onProgress(m.percent ?? 0);
            else if (m.type === 'done') {
              done();
              resolve(Buffer.from(m.file!.buffer, m.file!.byteOffset, m.file!.byteLength));
            } else if (m.type === 'failed') {
              done();
              reject(m.template ? new TemplateError(m.message ?? 'template error') : new Error(m.message));
            }
          };
          const onExit = (code: number | null, sig: string | null) => {
            done();
            slot.child = undefined;
            if (stderr) opts.log.warn({ code, signal: sig, stderr: stderr.slice(-1000) }, 'report render process ended');
            reject(new RenderCrashError(`the render process ended during the job (${sig ?? `exit ${code}`})`));
          };
          child.on('message', onMessage);
          child.on('exit', onExit);
          child.send({ type: 'render', id, format, job });
        });
      } finally {
        release(slot);
      }
    },
    async close() {
      closed = true;
      for (const w of waiting.splice(0)) w();
      await Promise.all(slots.map(async (slot) => {
        clearTimeout(slot.idleTimer);
        const child = slot.child;
        if (!child) return;
        slot.child = undefined;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }));
    },
  };
}
