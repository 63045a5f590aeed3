import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { startServer, type TestServer, rawSocket } from '../helpers/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';

/** Server deadlines: slow or silent connections are closed, and a timed-out request gets the envelope. */
let s: TestServer;
beforeAll(async () => {
  s = await startServer({
    env: { NEURO_HEADERS_TIMEOUT_MS: '500', NEURO_REQUEST_TIMEOUT_MS: '1000', NEURO_KEEP_ALIVE_TIMEOUT_MS: '300' },
  });
}, 180_000);
afterAll(() => s?.close());

/** A socket that sends a request line and then one header line every `everyMs`, never finishing. */
function slowHeaders(port: number, everyMs: number): Promise<{ closedAfterMs: number; data: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), 8000);
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      socket.write('GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n');
      timer = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), everyMs);
    });
    socket.on('data', (c: string) => (data += c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, data });
    });
  });
}

describe('server deadlines', () => {
  it('closes a connection whose headers arrive too slowly, with a 408 in the envelope', async () => {
    const { closedAfterMs, data } = await slowHeaders(s.port, 100);
    expect(closedAfterMs).toBeGreaterThanOrEqual(450);
    expect(closedAfterMs).toBeLessThan(3000);
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(data.split('\r\n\r\n')[1]!);
    expect(body).toEqual({ success: false, error: { code: 'REQUEST_TIMEOUT', message: expect.any(String) } });
  });

  it('closes 200 slow-header connections after the deadline', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => slowHeaders(s.port, 200)));
    for (const r of results) expect(r.closedAfterMs).toBeLessThan(4000);
    // The server still answers afterwards.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('closes a connection that sends nothing', async () => {
    const res = await rawSocket(s.port, '', 8000);
    expect(res.closedAfterMs).toBeLessThan(3000);
  });

  it('closes a request whose body arrives too slowly, with a 408 in the envelope', async () => {
    const res = await rawSocket(
      s.port,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na',
      8000,
    );
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(res.closedAfterMs).toBeLessThan(4000);
    expect(res.status).toBe(408);
    expect(res.body.error.code).toBe('REQUEST_TIMEOUT');
  });

  it('closes an idle keep-alive connection after NEURO_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const res = await rawSocket(s.port, 'GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n', 8000);
    expect(res.status).toBe(200);
    expect(res.closedAfterMs).toBeLessThan(2500);
  });
});

describe('deadline settings', () => {
  it('have defaults and are validated', () => {
    const c = loadConfig({});
    expect([c.requestTimeoutMs, c.headersTimeoutMs, c.keepAliveTimeoutMs]).toEqual([30_000, 10_000, 72_000]);
    expect(() => loadConfig({ NEURO_HEADERS_TIMEOUT_MS: '40000' })).toThrow(ConfigError);
    expect(() => loadConfig({ NEURO_REQUEST_TIMEOUT_MS: '0' })).toThrow(/NEURO_REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ NEURO_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/NEURO_KEEP_ALIVE_TIMEOUT_MS/);
    expect(loadConfig({ NEURO_REQUEST_TIMEOUT_MS: '5000' }).headersTimeoutMs).toBe(5000);
  });
});
