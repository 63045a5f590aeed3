import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import fastJsonStringify from 'fast-json-stringify';
import addFormats from 'ajv-formats';
import type { Database } from '../db/driver.js';
import type { Config } from './config.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './plugins/errors.js';
import { registerAuth } from './plugins/auth.js';
import { registerHostCheck } from './plugins/hosts.js';
import { registerOpenApi } from './plugins/openapi.js';
import { createFailureThrottle, createRateLimiter, MemoryRateLimitStore, type RateLimitStore } from './plugins/rate-limit.js';
import { RedisRateLimitStore } from './plugins/rate-limit-redis.js';
import { createTokenService } from './modules/tokens/service.js';
import type { Principal } from './lib/principal.js';
import { createKeyStore } from './lib/jwt.js';
import { connectRedis, createRevocationBus, redisReady } from './lib/redis.js';
import { modules } from './modules/index.js';
import { createReadCache } from './lib/read-cache.js';
import { createPasswordHasher, type PasswordCost } from './lib/passwords.js';
import { registerResponseCheck, type ResponseMismatch } from './plugins/response-check.js';
import { webApp } from './plugins/web.js';
import type { App, AppContext, Worker } from './types.js';
import { buildRegistry, checkCachedTables } from './registry.js';
import { VERSION } from './version.js';
import { publicErrorResponses } from './lib/schemas.js';

const OpenApiDocument = Type.Object({ openapi: Type.String() }, { additionalProperties: true, description: 'An OpenAPI 3.1 document' });

export interface AppDeps {
  config: Config;
  db: Database;
  /** The key that token hashes are made with. */
  secret: string;
  logger?: FastifyServerOptions['logger'];
  rateLimitStore?: RateLimitStore;
  /** Benchmarks only: see AuthDeps.benchBypass in plugins/auth.ts. Never set by main.ts. */
  benchAuthBypass?: Principal;
  /**
   * Test harness only: a cheaper argon2id cost, so that tests creating hundreds of users do not
   * spend minutes hashing. main.ts never sets it and no setting or environment variable reaches
   * it, so a deployment always hashes at ARGON2_OPTIONS.
   */
  passwordCost?: PasswordCost;
  /** Test harness only: validate every response against its route's schema (plugins/response-check.ts). */
  checkResponses?: (mismatch: ResponseMismatch) => void;
}

/** Headers and fields that carry secrets: never logged. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-neuro-inner-call"]',
  'res.headers["set-cookie"]',
];

/** A UUID, or up to 64 of A-Z a-z 0-9 . _ : - (what tracing systems send): safe to echo and to log. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request's id: the client's `X-Request-Id` when it is well formed, otherwise a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
}

/** Response headers a cross-origin page may read. */
const CORS_EXPOSED_HEADERS = [
  'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit', 'RateLimit-Policy', 'Retry-After',
  'WWW-Authenticate',
];

/** Trust the `hops` nearest proxies, whatever their addresses (NEURO_TRUST_PROXY=n). */
const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/**
 * Validators and serializers are compiled once per process, not once per app: the route schemas are
 * module constants, so an app built again in the same process (the tests build one per file, and
 * more) reuses the code compiled for the first instead of spending a second of CPU compiling it.
 */
let validatorCompiler: ((route: { schema: object; httpPart?: string }) => ValidateFunction) | undefined;
function validators() {
  if (validatorCompiler) return validatorCompiler;
  // Bodies are checked strictly (no coercion, no silently dropped fields); query strings and path
  // parameters are text, so they are coerced to the declared types.
  const base = { allErrors: true, removeAdditional: false, strict: false } as const;
  // verbose: errors carry their schema, so an empty update can list the fields it may send.
  const body = new Ajv({ ...base, coerceTypes: false, useDefaults: false, verbose: true });
  const query = new Ajv({ ...base, coerceTypes: 'array', useDefaults: false });
  for (const ajv of [body, query]) addFormats.default(ajv);
  // Ajv keeps what it compiled by schema object: the same schema compiles once.
  return (validatorCompiler = ({ schema, httpPart }) => (httpPart === 'body' ? body : query).compile(schema));
}

const serializerCache = new WeakMap<object, (data: unknown) => string>();
/** fast-json-stringify, as Fastify uses it by default, once per response schema. */
function serializer({ schema }: { schema: object }) {
  let stringify = serializerCache.get(schema);
  if (!stringify) serializerCache.set(schema, (stringify = fastJsonStringify(schema)));
  return stringify;
}

/** Builds the whole server without listening, so tests and main.ts start it the same way. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, db } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    bodyLimit: 1024 * 1024,
    // The client's X-Request-Id only when well formed (requestId below), never as sent.
    requestIdHeader: false,
    genReqId: requestId,
    // A hop count as Fastify itself would take it (its types accept only the other forms).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: undefined,
    // Requests refused before routing (bad URL, malformed HTTP) get the envelope too.
    frameworkErrors,
    clientErrorHandler,
    http: {
      // A request without Host is refused in the envelope by registerHostCheck, not by Node's bare 400.
      requireHostHeader: false,
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      // How often Node looks for connections past those deadlines (its default, 30 s, would let a
      // 10 s deadline run to 40 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validators());
  app.setSerializerCompiler(serializer);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  registerHostCheck(app);

  const keys = createKeyStore({ db, secret: deps.secret });
  const tokens = createTokenService({ db, secret: deps.secret, keys, cacheTtlMs: config.credentialCacheMs });
  // With REDIS_URL, rate-limit counters and revocations are shared by every instance.
  let store = deps.rateLimitStore;
  if (config.redisUrl) {
    const redis = connectRedis(config.redisUrl);
    const bus = createRevocationBus({
      url: config.redisUrl,
      channel: `${config.redisPrefix}revocations`,
      publisher: redis,
      log: app.log,
      onMessage: (m) => tokens.forgetLocal(m),
    });
    tokens.setBus(bus);
    // Both wait up to 2 s for Redis: side by side, so a Redis that is down costs 2 s at start, not 4.
    const [ready] = await Promise.all([redisReady(redis), bus.ready()]);
    if (!ready) app.log.warn('redis does not answer yet: counting rate limits in this process until it does');
    store ??= new RedisRateLimitStore(redis, config.redisPrefix, app.log);
    app.addHook('onClose', async () => {
      await bus.close();
      redis.disconnect();
    });
  }
  store ??= new MemoryRateLimitStore();
  const loginThrottle = createFailureThrottle({ store, windowSeconds: config.loginWindowSeconds });
  const reads = createReadCache({ db, maxBytes: config.readCacheBytes });
  const registry = buildRegistry(modules);
  await checkCachedTables(db, registry.cachedTables);
  const passwords = createPasswordHasher(deps.passwordCost);
  const ctx: AppContext = { config, db, tokens, version: VERSION, secret: deps.secret, keys, loginThrottle, reads, passwords, registry };
  app.decorate('ctx', ctx);

  const web = webApp(config.webDir);
  registerErrorHandling(app, { readOnlyFields: registry.readOnlyFields, notFound: web.fallback });
  if (deps.checkResponses) registerResponseCheck(app, deps.checkResponses);
  await registerOpenApi(app, { version: VERSION, tags: modules.flatMap((m) => (m.tag ? [m.tag] : [])), idPrefixes: registry.idPrefixes });
  const limiter = createRateLimiter({
    perMinute: config.rateLimitPerMinute,
    perHour: config.rateLimitPerHour,
    store,
  });
  if (config.corsOrigins.length > 0) {
    // Before the credential check: a preflight carries no credential and is answered here.
    await app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-CSRF-Token', 'X-Request-Id', 'If-Match', 'Last-Event-ID', 'Mcp-Protocol-Version'],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      // Tokens only: without Access-Control-Allow-Credentials no other origin can use the session cookie.
      credentials: false,
      maxAge: 600,
      // An OPTIONS without Origin is answered like a preflight (204) rather than with a text/plain 400.
      strictPreflight: false,
    });
  }
  registerAuth(app, {
    tokens, limiter, baseDomain: config.baseDomain, secret: deps.secret, secureCookies: config.secureCookies, benchBypass: deps.benchAuthBypass,
  });

  const workers: Worker[] = [];
  await app.register(
    async (api) => {
      const typed = api as unknown as App;
      for (const m of modules) if (m.mount !== 'root') workers.push(...(m.register(typed, ctx)?.workers ?? []));
      typed.get('/openapi.json', {
        schema: {
          operationId: 'getOpenApi', tags: ['System'], summary: 'This OpenAPI 3.1 document', security: [],
          response: { 200: OpenApiDocument, ...publicErrorResponses },
        },
        config: { public: true },
      }, async () => app.swagger() as { openapi: string });
    },
    { prefix: '/api/v1' },
  );
  for (const m of modules.filter((x) => x.mount === 'root')) {
    await app.register(async (scope) => {
      workers.push(...(m.register(scope as unknown as App, ctx)?.workers ?? []));
    });
  }
  await web.register(app);
  runWorkers(app, workers);
  return app as unknown as App;
}

/**
 * The one lifecycle of background work: every module's workers start when the server is ready and
 * stop when it closes (SIGTERM → app.close()), each finishing or handing back its in-flight work
 * before the database is closed.
 */
function runWorkers(app: FastifyInstance, workers: Worker[]) {
  app.addHook('onReady', async () => {
    for (const w of workers) await w.start();
  });
  // Before the HTTP server closes, which waits for every open response.
  app.addHook('preClose', async () => {
    for (const w of workers) w.closing?.();
  });
  app.addHook('onClose', async () => {
    await Promise.all(workers.map(async (w) => {
      try {
        await w.stop();
      } catch (err) {
        app.log.error({ err, worker: w.name }, 'worker did not stop cleanly');
      }
    }));
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
