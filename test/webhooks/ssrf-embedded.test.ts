import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client, type Client, eventually, startReceiver, type Receiver } from '../helpers/index.js';
import { blockedReason } from '../../src/server/modules/webhooks/ssrf.js';

/**
 * IPv6 addresses that carry an IPv4 address (mapped, SIIT, IPv4-compatible, NAT64, 6to4, Teredo)
 * and odd ways of writing addresses: refused at creation, at update and at delivery.
 */
let server: TestServer;
let tenant: TestTenant;
let api: Client;
let receiver: Receiver;

beforeAll(async () => {
  server = await startServer({ env: { NEURO_WEBHOOK_POLL_MS: '50', NEURO_WEBHOOK_TIMEOUT_MS: '2000' } });
  tenant = await server.createTenant();
  api = client(server.url, tenant.token);
  receiver = await startReceiver();
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await server?.close();
});

const EMBEDDED: [string, RegExp][] = [
  ['::ffff:0:7f00:1', /loopback/], // SIIT (::ffff:0:0:0/96) of 127.0.0.1
  ['::ffff:0:127.0.0.1', /loopback/],
  ['::ffff:0:a9fe:a9fe', /link-local/],
  ['::ffff:0:a00:1', /private/],
  ['64:ff9b:1::7f00:1', /local-use NAT64/],
  ['64:ff9b:1::808:808', /local-use NAT64/], // the whole local-use range: where the IPv4 part sits is the operator's choice
  ['64:ff9b::7f00:1', /loopback/],
  ['64:ff9b::192.168.1.1', /private/],
  ['::7f00:1', /loopback/], // IPv4-compatible (deprecated)
  ['::127.0.0.1', /loopback/],
  ['::a9fe:a9fe', /link-local/],
  ['2002:7f00:1::1', /loopback/], // 6to4
  ['2002:a9fe:a9fe::', /link-local/],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
  ['2001::1', /Teredo/],
  ['::FFFF:7F00:1', /loopback/],
  ['0:0:0:0:0:ffff:7f00:0001', /loopback/],
  ['0000:0000:0000:0000:0000:ffff:127.0.0.1', /loopback/],
  ['fe80::1%eth0', /link-local/],
  ['FE80::1%25', /link-local/],
  ['::ffff:0.0.0.0', /unspecified/],
  ['2001:2::1', /benchmarking/],
  ['3fff::1', /reserved/],
  ['5f00::1', /segment routing/],
  ['192.0.0.8', /reserved|IETF/], // refused before too, under another name
  ['198.18.0.1', /reserved|benchmarking/],
];

describe('embedded IPv4 and odd forms', () => {
  it.each(EMBEDDED)('refuses %s', (address, label) => {
    expect(blockedReason(address)).toMatch(label);
  });

  it.each(['::ffff:8.8.8.8', '::ffff:0:808:808', '64:ff9b::808:808', '2002:808:808::1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'lets %s through (it carries a public address, or none)',
    (address) => expect(blockedReason(address)).toBeUndefined(),
  );

  it('only takes IP addresses in their standard forms', () => {
    for (const text of ['0x7f.1', '2130706433', '127.1', '0177.0.0.1', 'localhost', '']) expect(blockedReason(text)).toBe('not an IP address');
  });
});

const REFUSED_URLS = [
  'http://[::ffff:0:7f00:1]/',
  'http://[::ffff:0:127.0.0.1]/',
  'http://[64:ff9b:1::7f00:1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[::127.0.0.1]/',
  'http://[::7f00:1]/',
  'http://[2002:7f00:1::]/',
  'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
  'http://[::FFFF:7F00:1]:8080/',
  'http://[0:0:0:0:0:ffff:7f00:0001]/',
  'http://0177.0.0.1/', // octal, read as 127.0.0.1 by the URL parser
  'http://127.1/',
  'http://0x7f.1/',
  'http://2130706433/',
  'http://0x7f000001/',
  'https://169.254.169.254./',
  'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
];

describe('webhook URLs', () => {
  it('are refused at creation', async () => {
    for (const url of REFUSED_URLS) {
      const res = await api.post('/webhooks', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.details[0], url).toMatchObject({ field: 'url', message: expect.stringMatching(/refused/) });
    }
    // A zone id is not a URL at all.
    const zone = await api.post('/webhooks', { url: 'http://[fe80::1%25eth0]/', events: ['*'] });
    expect(zone.status).toBe(400);
    expect(zone.body.error.details[0].field).toBe('url');
  });

  it('are refused at update', async () => {
    const created = await api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['client.created'] });
    expect(created.status, created.text).toBe(201);
    for (const url of REFUSED_URLS) {
      const res = await api.put(`/webhooks/${created.body.data.id}`, { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.details[0], url).toMatchObject({ field: 'url', message: expect.stringMatching(/refused/) });
    }
    expect((await api.get(`/webhooks/${created.body.data.id}`)).body.data.url).toBe('http://93.184.215.14/hook');
  });

  it('are refused at delivery (a URL changed behind the API)', async () => {
    const port = new URL(receiver.url).port;
    const urls = [`http://[::ffff:0:7f00:1]:${port}/a`, `http://[64:ff9b:1::7f00:1]:${port}/b`, `http://[::7f00:1]:${port}/c`];
    const ids: string[] = [];
    for (const url of urls) {
      const created = await api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['client.created'] });
      ids.push(created.body.data.id);
      await server.db.tenant(tenant.id, (q) => q.query('UPDATE webhooks SET url = $3 WHERE tenant_id = $1 AND id = $2', [tenant.id, created.body.data.id, url]));
    }
    await api.post('/clients', { name: 'Embedded' });
    for (const id of ids) {
      const [d] = await eventually(async () => {
        const res = await api.get(`/webhooks/${id}/deliveries`);
        return res.body.data[0]?.attempt >= 1 && res.body.data;
      });
      expect(d.status).toBe('pending');
      expect(d.error).toMatch(/refused/);
    }
    expect(receiver.received).toHaveLength(0);
  });
});
