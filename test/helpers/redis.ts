import net from 'node:net';

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
