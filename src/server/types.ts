import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Database } from '../db/driver.js';
import type { Config } from './config.js';
import type { TokenService } from './lib/principal.js';
import type { KeyStore } from './lib/jwt.js';
import type { FailureThrottle } from './plugins/rate-limit.js';
import type { ReadCache } from './lib/read-cache.js';
import type { Scope } from './lib/scopes.js';
import type { PasswordHasher } from './lib/passwords.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What modules get to build their services from. */
export interface AppContext {
  config: Config;
  db: Database;
  tokens: TokenService;
  version: string;
  /** The server secret: key of token hashes, CSRF tokens and sealed secrets. */
  secret: string;
  /** JWT signing keys (access tokens of login sessions). */
  keys: KeyStore;
  /** Failed-login counters per account and per IP. */
  loginThrottle: FailureThrottle;
  /** Rendered responses of the core reads, exact per tenant data version. */
  reads: ReadCache;
  /** What every module declared: id prefixes, objects, events, cached tables, read-only fields. */
  registry: Registry;
  /** argon2id hashing of login passwords. */
  passwords: PasswordHasher;
}

/** An object type whose changes are events (`<type>.created|updated|deleted`) with a history route. */
export interface ObjectDeclaration {
  /** `finding`: events `finding.created` …, history entries of object_type `finding`. */
  type: string;
  table: string;
  /** Collection path under /api/v1; the history is served at `/{path}/{id}/history`. */
  path: string;
  /** Its name in errors and documentation: "Finding". */
  name: string;
  /** OpenAPI tag of its routes. */
  tag: string;
  /** The scope that reads it, and so its history. */
  readScope: Scope;
}

/** An event type of the catalog (GET /webhooks/events). */
export interface EventDeclaration {
  type: string;
  description: string;
  /** Whether a webhook may list it in `events` (default true); webhook.test goes only to the webhook tested. */
  subscribable?: boolean;
  /**
   * The scope that sees it in the events stream (GET /events/stream); default: the read scope of
   * the object type its name starts with. An event with neither is not streamed.
   */
  readScope?: Scope;
}

/** Background work the app builder starts when the server is ready and stops when it closes. */
export interface Worker {
  name: string;
  start(): void | Promise<void>;
  /**
   * The server is about to close: end long-lived responses (event streams) now, since the HTTP
   * server waits for every open response before stop() is called.
   */
  closing?(): void;
  /** Stops taking new work and finishes, or hands back, what is in flight; resolves when that is done. */
  stop(): Promise<void>;
}

/**
 * A feature module, declaring everything the rest of the app needs to know about it: the app
 * builder registers its routes (under /api/v1) and starts its workers, and the id list, the event
 * catalog, the history routes, the read-only field list and the read-cache checks are built from
 * these declarations. Adding a module means adding it to modules/index.ts, nothing else.
 */
export interface Module {
  name: string;
  /** OpenAPI tag and its description. */
  tag?: { name: string; description: string };
  /** Id prefixes of the rows it makes, and what each names: `{ find: 'finding' }` → `find_01jd…`. */
  ids?: Record<string, string>;
  /** Object types with events and a change history. */
  objects?: ObjectDeclaration[];
  /** Event types it emits (the catalog webhooks subscribe to). */
  events?: EventDeclaration[];
  /**
   * Tables its cached reads (route config `cached: true`) render from. Every one must carry the
   * data-version trigger (0005_data_versions.sql, track_data_version()); the server refuses to
   * start otherwise, so a cached route cannot silently serve stale answers.
   */
  cachedTables?: CachedTable[];
  /** Fields of its objects that the server sets; a client sending one is told it "is read-only". */
  readOnlyFields?: string[];
  /**
   * Where its routes are mounted: under /api/v1 (the default), or at the server's root for an
   * endpoint whose path a protocol fixes (the MCP endpoint, /mcp). Root routes get the same
   * credential check, tenant resolution and error envelope; they stay out of the OpenAPI document,
   * whose paths are relative to /api/v1.
   */
  mount?: 'api' | 'root';
  register(app: App, ctx: AppContext): void | { workers?: Worker[] };
}

/**
 * A table cached reads render from: its own data-version trigger, or (for a summary table only ever
 * written by triggers of another table, like finding_counts) the table whose triggers maintain it.
 */
export type CachedTable = string | { table: string; maintainedBy: string };

/** The modules' declarations, collected once (src/server/registry.ts). */
export interface Registry {
  modules: readonly Module[];
  /** Id prefix → what it names. */
  idPrefixes: ReadonlyMap<string, string>;
  objects: readonly ObjectDeclaration[];
  events: readonly EventDeclaration[];
  /** Event types a webhook may subscribe to (besides `*`). */
  subscribableEvents: readonly string[];
  /** Event types the events stream sends, each with the scope that sees it. */
  streamedEvents: ReadonlyMap<string, Scope>;
  cachedTables: readonly CachedTable[];
  readOnlyFields: ReadonlySet<string>;
}
