import http from 'node:http';

/** One request a receiver got. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answers (for timeouts). */
  hang?: boolean;
}

/** A real HTTP receiver on loopback; `answer` decides the reply per request (200 by default). */
export interface Receiver {
  url: string;
  received: Received[];
  answer: (r: Received, n: number) => Answer;
  /** Requests to `path` (default: all). */
  at(path?: string): Received[];
  waitFor(count: number, path?: string, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      const n = (counts.get(r.path) ?? 0) + 1;
      counts.set(r.path, n);
      const a = self.answer(r, n);
      if (a.hang) {
        hanging.add(res);
        return;
      }
      res.writeHead(a.status ?? 200, a.headers ?? {});
      res.end(a.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const self: Receiver = {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: () => ({}),
    at: (path) => received.filter((r) => path === undefined || r.path === path),
    async waitFor(count, path, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (self.at(path).length < count) {
        if (Date.now() > until) throw new Error(`receiver got ${self.at(path).length} of ${count} requests on ${path ?? '*'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return self.at(path);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  return self;
}
