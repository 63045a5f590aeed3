import { Agent, type Dispatcher } from 'undici';
import { checkUrl, guardedLookup } from './ssrf.js';

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

/**
 * One attempt in flight, and undici's handler of its exchange: settled once, by the answer, an
 * error, its deadline or shutdown. A class rather than closures: nothing is allocated per attempt
 * beyond this object and the answer's chunks.
 */
class Attempt implements Dispatcher.DispatchHandler {
  readonly deadline: number;
  controller: Dispatcher.DispatchController | undefined;
  settled = false;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly started: number,
    timeoutMs: number,
    private readonly timedOut: string,
    private readonly inFlight: Set<Attempt>,
    private readonly resolve: (r: SendResult) => void,
  ) {
    this.deadline = started + timeoutMs;
  }

  /** Ends it as failed, and the exchange with it. */
  settle(error: string) {
    if (this.finish(failedAttempt(this.started, error))) this.controller?.abort(new Error(error));
  }

  private finish(r: SendResult): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.inFlight.delete(this);
    this.resolve(r);
    return true;
  }

  private complete(): boolean {
    const { status, headers } = this;
    const ok = status >= 200 && status < 300;
    let error: string | null = null;
    if (status >= 300 && status < 400) error = `redirect not followed (Location: ${header(headers.location) ?? 'none'})`;
    else if (!ok) error = `receiver answered HTTP ${status}`;
    const retryAfterMs = status === 429 || status >= 500 ? parseRetryAfter(header(headers['retry-after'])) : null;
    const body = this.chunks.length === 0 ? '' : Buffer.concat(this.chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
    return this.finish({ ok, status, body, error, retryAfterMs, durationMs: elapsed(this.started) });
  }

  onRequestStart(controller: Dispatcher.DispatchController) {
    this.controller = controller;
    if (this.settled) controller.abort(new Error(this.timedOut)); // its time ran out while it waited to connect
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>) {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
    if (this.size >= RESPONSE_LIMIT) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= RESPONSE_LIMIT && this.complete()) controller.abort(new Error('response body limit')); // the rest is not read
  }

  onResponseEnd() {
    this.complete();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error & { code?: string }) {
    const error = UNDICI_TIMEOUTS.has(err.code ?? '') ? this.timedOut : err.message || err.code || 'connection failed';
    this.finish(failedAttempt(this.started, error));
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function failedAttempt(started: number, error: string): SendResult {
  return { ok: false, status: null, body: null, error, retryAfterMs: null, durationMs: elapsed(started) };
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

  // A webhook's URL is checked (checkUrl) and parsed once, not per attempt; DNS answers are
  // checked per connection by guardedLookup.
  const targets = new Map<string, { origin: string; path: string } | string>();
  function targetOf(rawUrl: string): { origin: string; path: string } | string {
    let target = targets.get(rawUrl);
    if (target !== undefined) return target;
    const url = checkUrl(rawUrl, opts.allowPrivate);
    target = typeof url === 'string' ? url : { origin: url.origin, path: url.pathname + url.search };
    if (targets.size >= 1000) targets.clear();
    targets.set(rawUrl, target);
    return target;
  }

  function send(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    if (closed) return Promise.resolve(failedAttempt(started, 'aborted: server shutting down'));
    const target = targetOf(rawUrl);
    if (typeof target === 'string') return Promise.resolve(failedAttempt(started, target));
    return new Promise<SendResult>((resolve) => {
      const attempt = new Attempt(started, opts.timeoutMs, timedOut, inFlight, resolve);
      inFlight.add(attempt);
      const request = {
        origin: target.origin,
        path: target.path,
        method: 'POST' as const,
        headers: Object.assign({ 'content-type': 'application/json', 'user-agent': USER_AGENT }, headers),
        body,
      };
      agent.dispatch(request, attempt);
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
