import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Database } from '../db/driver.js';
import type { Config } from './config.js';
import type { TokenService } from './modules/tokens/service.js';
import type { KeyStore } from './lib/jwt.js';
import type { FailureThrottle } from './plugins/rate-limit.js';
import type { ReadCache } from './lib/read-cache.js';
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
  /** argon2id hashing of login passwords. */
  passwords: PasswordHasher;
}

/** A feature module: registers its routes (under /api/v1) and builds its own services. */
export interface Module {
  name: string;
  /** OpenAPI tag and its description. */
  tag?: { name: string; description: string };
  register(app: App, ctx: AppContext): void;
}
