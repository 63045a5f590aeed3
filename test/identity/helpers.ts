import http from 'node:http';
import net from 'node:net';
import { TOTP, Secret } from 'otpauth';

/** A request over node:http, which (unlike fetch) may set the Host header. */
export function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; body: any }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    const req = http.request(url, { method: opts.method ?? 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: any;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function totpCode(secretBase32: string, timestamp = Date.now()): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) }).generate({ timestamp });
}

/** Waits until a TOTP step has at least `margin` ms left, so a test's codes stay in one step. */
export async function freshStep(margin = 5000): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await new Promise((r) => setTimeout(r, left + 50));
}

/** REDIS_URL, or a Redis on 127.0.0.1:6379 if one answers; undefined when there is none. */
export async function redisUrl(): Promise<string | undefined> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const up = await new Promise<boolean>((resolve) => {
    const s = net.connect(6379, '127.0.0.1');
    s.setTimeout(500);
    s.once('connect', () => {
      s.write('PING\r\n');
    });
    s.once('data', (d) => {
      resolve(String(d).startsWith('+PONG'));
      s.destroy();
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      resolve(false);
      s.destroy();
    });
  });
  return up ? 'redis://127.0.0.1:6379' : undefined;
}

/** A TCP proxy to Redis that a test can cut and restore, to see the server ride out an outage. */
export async function redisProxy(target: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(t.port || 6379), t.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (server) server.close(() => resolve());
      else resolve();
      server = undefined;
    });
  await listen();
  const auth = t.password ? `:${t.password}@` : '';
  return { url: `redis://${auth}127.0.0.1:${port}${t.pathname}`, cut: stop, restore: listen, close: stop };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the current fixed window of `seconds` has at least `margin` ms left. */
export async function freshWindow(seconds: number, margin = 8000): Promise<void> {
  const ms = seconds * 1000;
  const left = ms - (Date.now() % ms);
  if (left < margin) await sleep(left + 50);
}
