import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { createScratchDatabase } from '../../src/db/scratch.js';

// These files start servers (and processes) on a small shared machine: give hooks and tests room.
vi.setConfig({ hookTimeout: 180_000, testTimeout: 480_000 });

/** Helpers for tests that run the real server and the operator CLI as processes. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A temporary data folder and, when DATABASE_URL is set, a fresh database of that server. */
export async function freshStorage(): Promise<{ env: Record<string, string>; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-proc-'));
  const base = process.env.DATABASE_URL;
  const scratch = base ? await createScratchDatabase(base, 'neuro_p') : undefined;
  return {
    dataDir,
    env: { NEURO_DATA_DIR: dataDir, DATABASE_URL: scratch?.url ?? '', LOG_LEVEL: 'info' },
    cleanup: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await scratch?.drop();
    },
  };
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

/** `npm run -s admin -- …args` with the given settings. */
export function admin(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'admin', '--', ...args], { cwd: ROOT, env: { ...baseEnv(), ...env }, timeout: 170_000 }, (err, stdout, stderr) => {
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
  const start = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string;
  const [command, ...args] = start.split(' ');
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
