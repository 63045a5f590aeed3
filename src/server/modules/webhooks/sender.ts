import { Agent } from 'undici';
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

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

export const RESPONSE_LIMIT = 2048;
const USER_AGENT = 'neuro-webhooks/1.0';

/** Connections kept per receiver origin; a webhook has at most `window` attempts in flight. */
const CONNECTIONS_PER_ORIGIN = 128;

// undici rather than node:http: about half the CPU per request, which is what a busy webhook costs.
// Each attempt has its own deadline (the signal below), so undici's own timeouts are off, and
// redirects are never followed (undici follows none unless asked).
const agentOptions = { connections: CONNECTIONS_PER_ORIGIN, headersTimeout: 0, bodyTimeout: 0 };
const agents = {
  open: new Agent(agentOptions),
  /** Resolves through guardedLookup, so each socket connects to an address that was checked. */
  guarded: new Agent({ ...agentOptions, connect: { lookup: guardedLookup } }),
};

function parseRetryAfter(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * POSTs one signed body. Never follows redirects; reads at most 2 KiB of the answer and drops the
 * rest; the whole exchange (DNS, connect, answer) is cut at the timeout. Unless private addresses
 * are allowed, every resolved address is checked and the socket connects to the checked one.
 */
export function send(rawUrl: string, headers: Record<string, string>, body: string, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
  const failed = (error: string) => done({ ok: false, status: null, body: null, error, retryAfterMs: null });

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve(failed('invalid URL'));
  }
  const protocol = url.protocol as 'http:' | 'https:';
  if (protocol !== 'http:' && protocol !== 'https:') return Promise.resolve(failed('refused: not an http(s) URL'));
  if (!opts.allowPrivate) {
    const refusal = hostRefusal(urlHost(url));
    if (refusal) return Promise.resolve(failed(`refused: ${refusal}`));
  }

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const onAbort = () => deadline.abort(new Error('aborted: server shutting down'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const request = async (): Promise<SendResult> => {
    const res = await (opts.allowPrivate ? agents.open : agents.guarded).request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      body,
      signal: deadline.signal,
    });
    const status = res.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_LIMIT) break; // leaving the loop destroys the body: the rest is not read
    }
    const text = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
    const ok = status >= 200 && status < 300;
    let error: string | null = null;
    if (status >= 300 && status < 400) error = `redirect not followed (Location: ${header(res.headers.location) ?? 'none'})`;
    else if (!ok) error = `receiver answered HTTP ${status}`;
    const retryAfterMs = status === 429 || status >= 500 ? parseRetryAfter(header(res.headers['retry-after'])) : null;
    return done({ ok, status, body: text, error, retryAfterMs });
  };
  return request()
    .catch((err: unknown) => {
      const reason = (deadline.signal.aborted ? deadline.signal.reason : err) as Error & { code?: string };
      return failed(reason.message || reason.code || 'connection failed');
    })
    .finally(() => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
