import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Database } from '../db/driver.js';
import type { Config } from './config.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './plugins/errors.js';
import { registerAuth } from './plugins/auth.js';
import { registerOpenApi } from './plugins/openapi.js';
import { createFailureThrottle, createRateLimiter, MemoryRateLimitStore, type RateLimitStore } from './plugins/rate-limit.js';
import { RedisRateLimitStore } from './plugins/rate-limit-redis.js';
import { createTokenService, type Principal } from './modules/tokens/service.js';
import { createKeyStore } from './lib/jwt.js';
import { connectRedis, createRevocationBus, redisReady } from './lib/redis.js';
import { modules } from './modules/index.js';
import { createReadCache } from './lib/read-cache.js';
import { createPasswordHasher, type PasswordCost } from './lib/passwords.js';
import { registerResponseCheck, type ResponseMismatch } from './plugins/response-check.js';
import type { App, AppContext } from './types.js';
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
  'res.headers["set-cookie"]',
];

function validators() {
  // Bodies are checked strictly (no coercion, no silently dropped fields); query strings and path
  // parameters are text, so they are coerced to the declared types.
  const base = { allErrors: true, removeAdditional: false, strict: false } as const;
  const body = new Ajv({ ...base, coerceTypes: false, useDefaults: false });
  const query = new Ajv({ ...base, coerceTypes: 'array', useDefaults: false });
  for (const ajv of [body, query]) addFormats.default(ajv);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? body : query).compile(schema);
}

/** Builds the whole server without listening, so tests and main.ts start it the same way. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, db } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    trustProxy: false,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: undefined,
    // Requests refused before routing (bad URL, malformed HTTP) get the envelope too.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validators());
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

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
  const passwords = createPasswordHasher(deps.passwordCost);
  const ctx: AppContext = { config, db, tokens, version: VERSION, secret: deps.secret, keys, loginThrottle, reads, passwords };
  app.decorate('ctx', ctx);

  registerErrorHandling(app);
  if (deps.checkResponses) registerResponseCheck(app, deps.checkResponses);
  await registerOpenApi(app, { version: VERSION, modules });
  const limiter = createRateLimiter({
    perMinute: config.rateLimitPerMinute,
    perHour: config.rateLimitPerHour,
    store,
  });
  registerAuth(app, { tokens, limiter, baseDomain: config.baseDomain, secret: deps.secret, benchBypass: deps.benchAuthBypass });

  await app.register(
    async (api) => {
      const typed = api as unknown as App;
      for (const m of modules) m.register(typed, ctx);
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
  return app as unknown as App;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
