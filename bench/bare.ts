/**
 * The yardstick: a bare Fastify server that answers each benchmark route with the exact body our
 * server gave for it, from memory. Same framework, same loopback, no auth, no database.
 *
 * BENCH_BARE_ROUTES names a JSON file: [{ method, url, status, body }]. Prints "listening PORT".
 */
import fs from 'node:fs';
import Fastify from 'fastify';

interface BareRoute {
  method: 'GET' | 'POST';
  url: string;
  status: number;
  body: string;
}

const routes = JSON.parse(fs.readFileSync(process.env.BENCH_BARE_ROUTES!, 'utf8')) as BareRoute[];
const app = Fastify({ logger: false });
for (const r of routes) {
  app.route({
    method: r.method,
    url: r.url,
    handler: async (_req, reply) => reply.code(r.status).type('application/json; charset=utf-8').send(r.body),
  });
}
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${new URL(address).port}`);
