import { Agent, type Dispatcher } from 'undici';
import { guardedLookup, hostRefusal, urlHost } from './ssrf.js';

/** What one delivery attempt came to. */
export interface SendResult {
  ok: boolean;
  status: number | null;
  /** The first 2 KiB of the response body. */
  body: string | null;
  error: string | null;
  durationMs: number;
  /** From a 429's or 5xx's Retry-After header. */
  retryAfterMs: number | null;
}

export interface SenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface Sender {
  /**
   * POSTs one signed body. Never follows redirects; reads at most 2 KiB of the answer and drops
   * the rest; the whole exchange (DNS, connect, answer) is cut at the timeout. Unless private
   * addresses are allowed, every resolved address is checked and the socket connects to the
   * checked one.
   */
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  /** Ends every attempt in flight (as failed: shutting down) and closes the connections. */
  close(): Promise<void>;
}

export const RESPONSE_LIMIT = 2048;
const USER_AGENT = 'neuro-webhooks/1.0';
/** Connections kept per receiver origin; a webhook has at most `window` attempts in flight. */
const CONNECTIONS_PER_ORIGIN = 128;

const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function parseRetryAfter(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** One attempt in flight: settled once, by the answer, an error, its deadline or shutdown. */
interface Attempt {
  deadline: number;
  controller: Dispatcher.DispatchController | undefined;
  settled: boolean;
  settle(error: string): void;
}

/**
 * Sends through undici's dispatch API rather than node:http or undici's request(): no stream and
 * no AbortSignal per attempt, which together cost more CPU than the HTTP exchange itself. Each
 * attempt's deadline is kept by one sweep over the attempts in flight, a few times per timeout.
 */
export function createSender(opts: SenderOptions): Sender {
  const agent = new Agent({
    connections: CONNECTIONS_PER_ORIGIN,
    // The sweep below keeps the deadline; undici's own timeouts are only a backstop behind it.
    headersTimeout: 2 * opts.timeoutMs,
    bodyTimeout: 2 * opts.timeoutMs,
    // With the guard, sockets resolve through guardedLookup and connect to the addresses it checked.
    connect: opts.allowPrivate ? { timeout: opts.timeoutMs } : { timeout: opts.timeoutMs, lookup: guardedLookup },
  });
  const inFlight = new Set<Attempt>();
  const timedOut = `timed out after ${opts.timeoutMs} ms`;
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const a of inFlight) if (a.deadline <= now) a.settle(timedOut);
  }, Math.max(10, Math.min(250, Math.floor(opts.timeoutMs / 4))));
  sweep.unref();
  let closed = false;

  function send(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
    const failed = (error: string) => done({ ok: false, status: null, body: null, error, retryAfterMs: null });

    if (closed) return Promise.resolve(failed('aborted: server shutting down'));
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(failed('invalid URL'));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve(failed('refused: not an http(s) URL'));
    if (!opts.allowPrivate) {
      const refusal = hostRefusal(urlHost(url));
      if (refusal) return Promise.resolve(failed(`refused: ${refusal}`));
    }

    return new Promise<SendResult>((resolve) => {
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let size = 0;
      const attempt: Attempt = {
        deadline: started + opts.timeoutMs,
        controller: undefined,
        settled: false,
        settle(error) {
          if (finish(failed(error))) attempt.controller?.abort(new Error(error));
        },
      };
      const finish = (r: SendResult) => {
        if (attempt.settled) return false;
        attempt.settled = true;
        inFlight.delete(attempt);
        resolve(r);
        return true;
      };
      const complete = () => {
        const ok = status >= 200 && status < 300;
        let error: string | null = null;
        if (status >= 300 && status < 400) error = `redirect not followed (Location: ${header(responseHeaders.location) ?? 'none'})`;
        else if (!ok) error = `receiver answered HTTP ${status}`;
        const retryAfterMs = status === 429 || status >= 500 ? parseRetryAfter(header(responseHeaders['retry-after'])) : null;
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
        return finish(done({ ok, status, body: text, error, retryAfterMs }));
      };
      inFlight.add(attempt);
      agent.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
          body,
        },
        {
          onRequestStart(controller) {
            attempt.controller = controller;
            if (attempt.settled) controller.abort(new Error(timedOut)); // its time ran out while it waited to connect
          },
          onResponseStart(_controller, statusCode, h) {
            status = statusCode;
            responseHeaders = h;
          },
          onResponseData(controller, chunk) {
            if (size >= RESPONSE_LIMIT) return;
            chunks.push(chunk);
            size += chunk.length;
            if (size >= RESPONSE_LIMIT && complete()) controller.abort(new Error('response body limit')); // the rest is not read
          },
          onResponseEnd() {
            complete();
          },
          onResponseError(_controller, err: Error & { code?: string }) {
            finish(failed(UNDICI_TIMEOUTS.has(err.code ?? '') ? timedOut : err.message || err.code || 'connection failed'));
          },
        },
      );
    });
  }

  return {
    send,
    async close() {
      closed = true;
      clearInterval(sweep);
      for (const a of inFlight) a.settle('aborted: server shutting down');
      await agent.destroy().catch(() => undefined);
    },
  };
}
