import dns from 'node:dns';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, setup, startReceiver, teardown, type Client, type Receiver, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';
import { blockedReason, guardedLookup } from '../../src/server/modules/webhooks/ssrf.js';

/** With NEURO_WEBHOOK_ALLOW_PRIVATE off (the default): nothing inside reaches a webhook. */
let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let api: Client;
let receiver: Receiver;

beforeAll(async () => {
  s = await setup({ env: { NEURO_WEBHOOK_POLL_MS: '50', NEURO_WEBHOOK_TIMEOUT_MS: '2000' } });
  ({ server, tenant } = s);
  api = client(server.url, tenant.token);
  receiver = await startReceiver();
}, 180_000); // PGlite start-up on a busy machine
afterAll(async () => {
  await receiver?.close();
  await teardown(s);
});

const BLOCKED: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['0.0.0.0', 'unspecified'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.0.10', 'private'],
  ['169.254.169.254', 'link-local'],
  ['169.254.1.1', 'link-local'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.100.100.200', 'carrier-grade NAT'],
  ['168.63.129.16', 'cloud metadata'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'reserved'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'unique-local'],
  ['fd00:ec2::254', 'unique-local'],
  ['fe80::1', 'link-local'],
  ['ff02::1', 'multicast'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:10.0.0.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'link-local'],
  ['2002:c0a8:0101::1', 'private'],
];

describe('SSRF guard', () => {
  it.each(BLOCKED)('refuses %s (%s)', (address, label) => {
    expect(blockedReason(address)).toContain(label);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1'])(
    'lets the public address %s through',
    (address) => expect(blockedReason(address)).toBeUndefined(),
  );

  it('refuses a host name that resolves inside, at lookup time', async () => {
    const err = await new Promise<Error | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
    expect(err?.message).toMatch(/refused: localhost resolves to .*loopback/);
  });

  it('refuses webhook URLs to private, loopback, link-local, unique-local, CGNAT and metadata addresses', async () => {
    const urls = [
      `${receiver.url}/hook`,
      'http://127.0.0.1:8080/',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://0x7f.1/',
      'http://0.0.0.0/',
      'http://10.0.0.5/hook',
      'http://172.16.3.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.1.1/',
      'http://100.100.100.200/',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://localhost:8080/',
      'http://api.localhost/',
      'http://metadata.google.internal/computeMetadata/v1/',
    ];
    for (const url of urls) {
      const res = await api.post('/webhooks', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.error.details[0].field, url).toBe('url');
      expect(res.body.error.details[0].message, url).toMatch(/refused/);
    }
  });

  it('checks again at delivery time and never connects inside', async () => {
    const created = await api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['client.created'] });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id;
    // As if DNS now answered with a loopback address (rebinding), or the row was changed behind the API.
    for (const url of [`${receiver.url}/inside`, `http://localhost:${new URL(receiver.url).port}/inside`]) {
      await server.db.tenant(tenant.id, (q) => q.query('UPDATE webhooks SET url = $3 WHERE tenant_id = $1 AND id = $2', [tenant.id, id, url]));
      await api.post('/clients', { name: `Inside ${url}` });
    }
    const list = await eventually(async () => {
      const res = await api.get(`/webhooks/${id}/deliveries`);
      return res.body.data.length === 2 && res.body.data.every((d: any) => d.attempt >= 1) && res.body.data;
    });
    for (const d of list) {
      expect(d.status).toBe('pending');
      expect(d.response_status).toBeNull();
      expect(d.error).toMatch(/refused: .*loopback/);
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('checks the addresses a host name resolves to when connecting', async () => {
    // This machine's own name resolves (through /etc/hosts) to loopback or its private address.
    const host = os.hostname();
    const addresses = await dns.promises.lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0 || addresses.every((a) => blockedReason(a.address) === undefined)) return;
    const created = await api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['client.created'] });
    const id = created.body.data.id;
    const url = `http://${host}:${new URL(receiver.url).port}/by-name`;
    await server.db.tenant(tenant.id, (q) => q.query('UPDATE webhooks SET url = $3 WHERE tenant_id = $1 AND id = $2', [tenant.id, id, url]));
    await api.post('/clients', { name: 'By name' });
    const [d] = await eventually(async () => {
      const res = await api.get(`/webhooks/${id}/deliveries`);
      return res.body.data[0]?.attempt >= 1 && res.body.data;
    });
    expect(d.error).toMatch(new RegExp(`refused: ${host} resolves to`));
    expect(receiver.at('/by-name')).toHaveLength(0);
  });
});
