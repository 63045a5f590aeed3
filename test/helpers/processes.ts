import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { track } from './checks.js';
import { createStorage, type Storage, type StorageOptions } from './storage.js';

/** Helpers for tests that run the real server and the operator CLI as processes. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

const scripts = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;

/**
 * A temporary data folder and, when DATABASE_URL is set, a database of that server: a copy of the
 * run's migrated template, or with `fresh` an empty one that the process must migrate.
 */
export async function freshStorage(opts: StorageOptions = {}): Promise<Storage> {
  const st = await createStorage({ prefix: 'neuro-proc', ...opts });
  return { ...st, env: { ...st.env, LOG_LEVEL: 'info' } };
}

const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('NEURO_') || k === 'PORT' || k === 'HOST' || k === 'LOG_LEVEL') delete env[k];
  return env;
};

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The admin CLI with the given settings: what `npm run -s admin -- …args` runs, as one node
 * process with tsx as a loader (npm and the tsx CLI's extra process cost about a second each
 * under load). With `viaNpm`, through npm itself, as the README shows it.
 */
export function admin(args: string[], env: Record<string, string>, opts: { viaNpm?: boolean } = {}): Promise<Result> {
  const script = scripts().admin!;
  expect(script).toBe('tsx src/cli/admin.ts');
  const [file, argv] = opts.viaNpm
    ? ['npm', ['run', '-s', 'admin', '--', ...args]]
    : [process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args]];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: ROOT, env: { ...baseEnv(), ...env }, timeout: 170_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** Resolves with the process's exit code. */
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  stop(): Promise<number | null>;
}

/**
 * What `npm start` runs, without npm: one node process with tsx as a loader, so SIGTERM reaches the
 * server itself. (The `tsx` CLI runs the server as a child and SIGKILLs it when the child does not
 * acknowledge a relayed signal within 30 ms — which a loaded machine easily misses.)
 */
export async function startProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = env.PORT && /^\d+$/.test(env.PORT) ? Number(env.PORT) : await freePort();
  // `npm start` builds the web app when stale, then execs the server: the server's part is the last.
  const [command, ...args] = scripts().start!.split('&&').pop()!.trim().replace(/^exec /, '').split(' ');
  expect(command).toBe('node');
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, ms = 170_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`));
      }, ms);
      listeners.add(check);
      void exited.then(() => setTimeout(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`process exited before ${pattern}; output:\n${out}`));
        }
      }, 50));
      check();
    });
  // Its log is checked for server errors like an in-process server's (checks.ts).
  track({
    name: `process ${process.execPath} ${args.join(' ')} on port ${port}`,
    logs: () => [out],
    mismatches: [],
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  });
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}/api/v1`,
    output: () => out,
    exited,
    waitFor,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

export const TOKEN_RE = /nf_live_[0-9a-f]{48}/g;
