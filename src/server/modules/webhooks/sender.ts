import http from 'node:http';
import https from 'node:https';
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

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
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

  const attempt = (retried: boolean): Promise<SendResult> =>
    new Promise((resolve) => {
      let settled = false;
      const finish = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const req = (protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: agents[protocol],
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT, ...headers },
        ...(opts.allowPrivate ? {} : { lookup: guardedLookup }),
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      const onAbort = () => req.destroy(new Error('aborted: server shutting down'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the receiver had just closed: the request never reached it.
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET' && !settled) {
          settled = true;
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(attempt(true));
          return;
        }
        finish(failed(err.message || err.code || 'connection failed'));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const complete = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
          const ok = status >= 200 && status < 300;
          let error: string | null = null;
          if (status >= 300 && status < 400) error = `redirect not followed (Location: ${res.headers.location ?? 'none'})`;
          else if (!ok) error = `receiver answered HTTP ${status}`;
          const retryAfterMs = status === 429 || status >= 500 ? parseRetryAfter(res.headers['retry-after']) : null;
          finish(done({ ok, status, body: text, error, retryAfterMs }));
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_LIMIT) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_LIMIT) {
            complete();
            res.destroy(); // the rest is not read
          }
        });
        res.on('end', complete);
        res.on('error', complete);
        res.on('close', complete);
      });
      req.end(body);
    });

  return attempt(false);
}
