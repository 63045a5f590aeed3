import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../types.js';
import type { Principal } from '../../lib/principal.js';
import { AppError, ForbiddenError, fieldError } from '../../lib/errors.js';
import { grants, roleAllows } from '../../lib/scopes.js';
import { presentedCredential } from '../../plugins/auth.js';
import { isAfter, type StreamHub } from './stream-hub.js';
import { positionOf, replay, type StreamPosition, type StreamRow } from './stream-repo.js';

/** What the browser's EventSource waits before reconnecting (it sends Last-Event-ID then). */
const RETRY_MS = 3000;
/** A client that reads slower than events come is dropped; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const EVENT_ID = /^evt_[0-9a-z]{26}$/;

const message = (r: StreamRow) => `id: ${r.id}\nevent: ${r.type}\ndata: ${r.message}\n\n`;

/** The streamed event types the principal may read: its scopes and its role must both allow each. */
export function visibleTypes(streamed: ReadonlyMap<string, string>, p: Principal): Set<string> {
  const out = new Set<string>();
  for (const [type, scope] of streamed) {
    if (grants(p.scopes, scope as never) && roleAllows(p.role, scope as never)) out.add(type);
  }
  return out;
}

/** GET /events/stream: Server-Sent Events of the tenant's events, live from the outbox, resumable. */
export function createEventStream(ctx: Pick<AppContext, 'db' | 'tokens' | 'config' | 'registry'>, hub: StreamHub) {
  const { db, tokens, config } = ctx;
  const streamed = ctx.registry.streamedEvents;
  const open = new Map<string, number>();
  // The credential is checked again this often, so a revoked token or ended session loses its stream.
  const recheckMs = Math.max(1000, Math.min(config.credentialCacheMs, 30_000));

  return async function stream(req: FastifyRequest<{ Querystring: { last_event_id?: string } }>, reply: FastifyReply) {
    const principal = req.principal;
    const types = visibleTypes(streamed, principal);
    if (types.size === 0) throw new ForbiddenError();
    const header = req.headers['last-event-id'];
    const lastId = (Array.isArray(header) ? header[0] : header) ?? req.query.last_event_id;
    const field = header !== undefined ? 'Last-Event-ID' : 'last_event_id';
    if (lastId !== undefined && !EVENT_ID.test(lastId)) throw fieldError(field, 'must be the id of an event (evt_…)');

    // Counted before the first await, so a burst cannot slip past the limit.
    const key = principal.credentialId;
    const count = open.get(key) ?? 0;
    if (count >= config.eventsStream.maxPerCredential) {
      // connection: close — a refused client's kept-alive socket otherwise held app.close() for the
      // keep-alive timeout in tests (after a burst); a client over its limit need not keep one.
      throw new AppError(429, 'RATE_LIMIT_EXCEEDED', `At most ${config.eventsStream.maxPerCredential} event streams may be open per credential`, undefined, { 'retry-after': '5', connection: 'close' });
    }
    open.set(key, count + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
    };

    const out = new PassThrough();
    let live = false;
    const pending: StreamRow[] = [];
    const write = (text: string) => {
      if (out.destroyed || out.writableEnded) return;
      out.write(text);
      if (out.writableLength > MAX_BUFFERED_BYTES) out.end();
    };
    let resumeFrom: StreamPosition | undefined;
    const subscriber = {
      tenantId: principal.tenantId,
      types: types as ReadonlySet<string>,
      deliver(row: StreamRow) {
        // Another instance may have sent this client events this one's poller has not reached yet.
        if (resumeFrom && !isAfter(row, resumeFrom)) return;
        if (live) write(message(row));
        else pending.push(row);
      },
      end: () => out.end(),
    };
    let sub: Awaited<ReturnType<StreamHub['subscribe']>>;
    try {
      if (lastId !== undefined) {
        resumeFrom = await db.tenant(principal.tenantId, (q) => positionOf(q, principal.tenantId, lastId));
        if (!resumeFrom) throw fieldError(field, 'is not an event of this tenant');
      }
      sub = await hub.subscribe(subscriber);
    } catch (err) {
      release();
      throw err;
    }

    const timers = [
      setInterval(() => write(': ping\n\n'), config.eventsStream.heartbeatMs),
      setInterval(() => void recheck(), recheckMs),
    ];
    const credential = presentedCredential(req, config.secureCookies).credential!;
    async function recheck() {
      const v = await tokens.verify(credential).catch(() => undefined);
      const now = v?.ok ? visibleTypes(streamed, v.principal) : new Set<string>();
      if (now.size === 0) out.end();
      else subscriber.types = now;
    }
    out.on('close', () => {
      for (const t of timers) clearInterval(t);
      sub.unsubscribe();
      release();
    });
    req.raw.on('close', () => out.destroy());

    write(`retry: ${RETRY_MS}\n\n`);
    void (async () => {
      try {
        if (resumeFrom && isAfter(sub.from, resumeFrom)) {
          const missed = await db.tenant(principal.tenantId, (q) => replay(q, principal.tenantId, resumeFrom, sub.from, [...types]));
          for (const r of missed) write(message(r));
        }
        for (const r of pending) write(message(r));
        pending.length = 0;
        live = true;
      } catch (err) {
        req.log.error({ err }, 'events stream: replay failed');
        out.end();
      }
    })();

    return reply
      .headers({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
      .send(out);
  };
}
