import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, setup, teardown, type Client, type Setup } from '../helpers/index.js';

/** GET /events/stream through a real HTTP server: live, resumable, scoped, bounded, ended on close. */
interface SseMessage {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
  retry?: number;
}

interface Sse {
  status: number;
  headers: Headers;
  /** Waits for the next message that satisfies `match` (default: any event message). */
  next(match?: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Every message received so far. */
  messages: SseMessage[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a stream with fetch and parses it as EventSource does (fields per line, a blank line ends a message). */
async function openStream(url: string, headers: Record<string, string>): Promise<Sse> {
  const ctl = new AbortController();
  const res = await fetch(`${url}/events/stream`, { headers, signal: ctl.signal });
  const messages: SseMessage[] = [];
  let waiters: (() => void)[] = [];
  let done = false;
  const ended = (async () => {
    if (!res.ok || !res.body) {
      await res.text();
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const m: SseMessage = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) m.comment = line.slice(1).trim();
            else if (line.startsWith('id: ')) m.id = line.slice(4);
            else if (line.startsWith('event: ')) m.event = line.slice(7);
            else if (line.startsWith('data: ')) m.data = JSON.parse(line.slice(6));
            else if (line.startsWith('retry: ')) m.retry = Number(line.slice(7));
          }
          messages.push(m);
          for (const w of waiters) w();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      for (const w of waiters) w();
    }
  })();
  let seen = 0;
  return {
    status: res.status,
    headers: res.headers,
    messages,
    ended,
    close: () => ctl.abort(),
    async next(match = (m) => m.event !== undefined, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (seen < messages.length) {
          const m = messages[seen++]!;
          if (match(m)) return m;
        }
        if (done) throw new Error('stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching message in time');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters = [];
      }
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let s: Setup;
let api: Client;
let project: Record<string, any>;

beforeAll(async () => {
  // Credentials are checked again each second here (every NEURO_CREDENTIAL_CACHE_SECONDS, at most 30 s).
  s = await setup({ env: { NEURO_CREDENTIAL_CACHE_SECONDS: '1', NEURO_EVENTS_STREAM_MAX_PER_CREDENTIAL: '3' } });
  api = s.api;
  project = await s.make.project();
});
afterAll(async () => teardown(s));

describe('GET /events/stream', () => {
  it('is an event stream with its headers, a retry hint, and finding events live within a second', async () => {
    const sse = await openStream(s.server.url, bearer(s.tenant.token));
    try {
      expect(sse.status).toBe(200);
      expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(sse.headers.get('cache-control')).toBe('no-store');
      expect(sse.headers.get('x-accel-buffering')).toBe('no');
      expect((await sse.next((m) => m.retry !== undefined)).retry).toBe(3000);

      // Measured from the committed write's answer to the message: the delivery latency.
      const finding = await s.make.finding(project.id, { title: 'Live', severity: 'High' });
      let started = Date.now();
      const created = await sse.next((m) => m.event === 'finding.created');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(created.id).toMatch(/^evt_/);
      expect(created.data).toEqual({
        id: created.id, event: 'finding.created', timestamp: expect.any(String),
        data: {
          object_type: 'finding', object_id: finding.id, project_id: project.id, report_id: null,
          actor: { type: 'service_account', id: expect.stringMatching(/^sa_/) }, changed: null,
        },
      });

      await api.put(`/findings/${finding.id}`, { status: 'Confirmed', title: 'Live and confirmed' });
      started = Date.now();
      const updated = await sse.next((m) => m.event === 'finding.updated');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(updated.data.data).toMatchObject({ object_id: finding.id, changed: ['status', 'title'] });
      expect((await sse.next((m) => m.event === 'finding.status_changed')).data.data.changed).toEqual(['status']);
      // Security events (audit log) are never streamed.
      expect(sse.messages.some((m) => m.event?.startsWith('auth.') || m.event?.startsWith('token.'))).toBe(false);
    } finally {
      sse.close();
    }
  });

  it('resumes after Last-Event-ID (or last_event_id) with exactly the missed events, in order, then goes live', async () => {
    const first = await openStream(s.server.url, bearer(s.tenant.token));
    const f = await s.make.finding(project.id, { title: 'Before the gap' });
    const last = await first.next((m) => m.event === 'finding.created' && m.data.data.object_id === f.id);
    first.close();

    const missed = [
      (await s.make.finding(project.id, { title: 'Missed 1' })).id,
      (await s.make.asset(project.id)).id,
      (await s.make.finding(project.id, { title: 'Missed 2' })).id,
    ];
    await api.del(`/findings/${missed[0]}`);
    const expected = [[missed[0], 'finding.created'], [missed[1], 'asset.created'], [missed[2], 'finding.created'], [missed[0], 'finding.deleted']];

    const sse = await openStream(s.server.url, { ...bearer(s.tenant.token), 'last-event-id': last.id! });
    try {
      const got = [];
      for (let i = 0; i < expected.length; i++) got.push(await sse.next());
      expect(got.map((m) => [m.data.data.object_id, m.event])).toEqual(expected);
      const live = await s.make.finding(project.id, { title: 'After the replay' });
      expect((await sse.next()).data.data.object_id).toBe(live.id);
    } finally {
      sse.close();
    }

    // The query parameter does the same, for EventSource polyfills that cannot send headers.
    const viaQuery = await fetch(`${s.server.url}/events/stream?last_event_id=${last.id}`, { headers: bearer(s.tenant.token) });
    const reader = viaQuery.body!.getReader();
    let text = '';
    while ((text.match(/^event: /gm) ?? []).length < expected.length) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect([...text.matchAll(/^event: (.+)$/gm)].slice(0, 4).map((m) => m[1])).toEqual(expected.map((e) => e[1]));

    // An id that is not one of this tenant's events cannot be resumed from.
    expectError(await api.get('/events/stream', { 'last-event-id': 'evt_00000000000000000000000000' }), 400, 'VALIDATION_ERROR', ['Last-Event-ID']);
    expectError(await api.get('/events/stream?last_event_id=nonsense'), 400, 'VALIDATION_ERROR', ['last_event_id']);
  });

  it('sends only the types the credential may read; no read scope at all is a 403', async () => {
    const findingsOnly = await openStream(s.server.url, bearer(await s.server.mintToken(s.tenant, ['findings:read'])));
    const everything = await openStream(s.server.url, bearer(s.tenant.token));
    try {
      await s.make.client();
      const p = await s.make.project();
      const f = await s.make.finding(p.id);
      const marker = await s.make.client({ name: 'marker' });
      await everything.next((m) => m.data?.data.object_id === marker.id);
      expect((await findingsOnly.next()).data.data.object_id).toBe(f.id);
      await new Promise((r) => setTimeout(r, 300));
      expect(findingsOnly.messages.filter((m) => m.event).map((m) => m.event)).toEqual(['finding.created']);
    } finally {
      findingsOnly.close();
      everything.close();
    }
    expectError(await client(s.server.url, await s.server.mintToken(s.tenant, ['webhooks:read'])).get('/events/stream'), 403, 'FORBIDDEN');
    expectError(await client(s.server.url).get('/events/stream'), 401, 'UNAUTHORIZED');
  });

  it('never shows a tenant another tenant\'s events', async () => {
    const other = await s.server.createTenant();
    const theirs = await openStream(s.server.url, bearer(other.token));
    const ours = await openStream(s.server.url, bearer(s.tenant.token));
    try {
      const f = await s.make.finding(project.id);
      await ours.next((m) => m.data?.data.object_id === f.id);
      const otherProject = (await client(s.server.url, other.token).post('/projects', { name: 'Theirs' })).body.data;
      expect((await theirs.next()).data.data.object_id).toBe(otherProject.id);
      expect(theirs.messages.filter((m) => m.event).length).toBe(1);
      // Nor can it resume from one of ours.
      expectError(await client(s.server.url, other.token).get('/events/stream', { 'last-event-id': ours.messages.find((m) => m.id)!.id! }), 400, 'VALIDATION_ERROR');
    } finally {
      theirs.close();
      ours.close();
    }
  });

  it('works with a cookie session from a login with set_cookie', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer' });
    const login = await fetch(`${s.server.url}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password, tenant: s.tenant.slug, set_cookie: true }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const sse = await openStream(s.server.url, { cookie });
    try {
      expect(sse.status).toBe(200);
      const f = await s.make.finding(project.id);
      expect((await sse.next()).data.data.object_id).toBe(f.id);
    } finally {
      sse.close();
    }
  });

  it('ends the stream of a revoked token', async () => {
    const token = await s.server.mintToken(s.tenant, ['findings:read']);
    const id = (await client(s.server.url, token).get('/user')).body.data.credential.id;
    const sse = await openStream(s.server.url, bearer(token));
    expect(sse.status).toBe(200);
    const started = Date.now();
    expect((await api.del(`/api-keys/${id}`)).status).toBe(204);
    await sse.ended;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('holds the per-credential limit under a burst, and frees a place when a stream closes', async () => {
    const token = await s.server.mintToken(s.tenant, ['findings:read']);
    const burst = await Promise.all(Array.from({ length: 10 }, () => openStream(s.server.url, bearer(token))));
    try {
      expect(burst.filter((b) => b.status === 200).length).toBe(3);
      expect(burst.filter((b) => b.status === 429).length).toBe(7);
      const refused = await client(s.server.url, token).get('/events/stream');
      expectError(refused, 429, 'RATE_LIMIT_EXCEEDED');
      const open = burst.filter((b) => b.status === 200);
      open[0]!.close();
      await new Promise((r) => setTimeout(r, 200));
      const again = await openStream(s.server.url, bearer(token));
      expect(again.status).toBe(200);
      again.close();
    } finally {
      for (const b of burst) b.close();
    }
  });

  it('is in the OpenAPI document as text/event-stream', async () => {
    const op = (await api.get('/openapi.json')).body.paths['/events/stream'].get;
    expect(op.operationId).toBe('streamEvents');
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
  });
});

describe('server close', () => {
  it('ends open streams promptly', async () => {
    const own = await setup();
    const streams = await Promise.all([1, 2].map(() => openStream(own.server.url, bearer(own.tenant.token))));
    const started = Date.now();
    // Open streams must not hold app.close() up (it would wait for the 72 s keep-alive or forever).
    // The client runs in the server's process, so it notices the end only once the database has
    // closed; hence a generous bound.
    const closing = teardown(own);
    await Promise.all(streams.map((x) => x.ended));
    expect(Date.now() - started).toBeLessThan(10_000);
    await closing;
  });
});
