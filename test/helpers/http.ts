import net from 'node:net';
import http from 'node:http';

/** A small JSON client over fetch for tests: every call returns status, headers and parsed body. */
export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Client {
  get<T = any>(path: string, headers?: Record<string, string>): Promise<Response<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  del<T = any>(path: string, headers?: Record<string, string>): Promise<Response<T>>;
  request<T = any>(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<Response<T>>;
}

export function client(baseUrl: string, token?: string): Client {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const request = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${baseUrl}${path}`, { method, body: init.body, headers: { ...auth, ...init.headers } });
    const text = await res.text();
    let body: any = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body, text };
  };
  const json = (method: string) => (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    });
  return {
    get: (path, headers) => request('GET', path, { headers }),
    post: json('POST'),
    put: json('PUT'),
    del: (path, headers) => request('DELETE', path, { headers }),
    request,
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any;
}

/**
 * A request over node:http, for what fetch will not send: a Host header, a GET with a body, odd
 * headers. An object `body` is sent as JSON; a string is sent as it is.
 */
export function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const json = opts.body !== undefined && typeof opts.body !== 'string';
    const body = json ? JSON.stringify(opts.body) : (opts.body as string | undefined);
    const headers = { ...(json ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
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

/**
 * Writes `request` (raw HTTP/1.x text) on a fresh socket and collects everything the server
 * sends until it closes the connection (or `waitMs` passes): for what node:http and fetch will not
 * send (no Host, two Host lines, a slow request).
 */
export function rawSocket(
  port: number,
  request: string,
  waitMs = 5000,
): Promise<{ status: number; headers: Record<string, string>; text: string; body: any; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const text = rest.join('\r\n\r\n');
      let body: any;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, text, body, closedAfterMs: Date.now() - started });
    });
  });
}
