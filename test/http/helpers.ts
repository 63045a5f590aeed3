import net from 'node:net';

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
