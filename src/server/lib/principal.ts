import type { Queryable } from '../../db/driver.js';
import type { RevocationBus, RevocationMessage } from './redis.js';
import type { Role, Scope } from './scopes.js';

/** Who is making a request: the credential, its tenant, and what it may do. */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  /**
   * The API token's id, the session's id for a login (JWT or cookie), or for an OAuth access token
   * `oauth:<grant id>` (`oauth:<client id>` for client_credentials): what a revocation forgets.
   */
  credentialId: string;
  /** `oauth`: an access token our authorization server issued to an app acting for a user. */
  kind: 'personal' | 'service' | 'session' | 'oauth';
  userId: string | null;
  serviceAccountId: string | null;
  role: Role;
  scopes: readonly string[];
  /**
   * An OAuth access token's resource (RFC 8707): `api` for the REST API, `mcp` for the MCP
   * endpoint; it works only there (plugins/auth.ts). Other credentials are not bound to one.
   */
  resource?: 'api' | 'mcp';
}

export type VerifyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'revoked' | 'inactive' };

/** What minting an API token takes; the secret is returned once and never stored. */
export interface NewTokenInput {
  kind: 'personal' | 'service';
  userId?: string | null;
  serviceAccountId?: string | null;
  name: string;
  scopes: readonly string[];
  /** A given secret (a bootstrap token) instead of a generated one. */
  secret?: string;
  expiresAt?: Date | null;
  purpose?: 'api' | 'mcp';
  createdBy?: string | null;
  rotatedFrom?: string | null;
}

/**
 * Credentials → principals, and the minting and forgetting of API tokens. The core depends on
 * this interface; the tokens module implements it (modules/tokens/service.ts).
 */
export interface TokenService {
  verify(token: string, now?: number): Promise<VerifyResult>;
  /**
   * Forget cached verifications of these credentials (token or session ids) or of everything
   * these users or service accounts hold, here at once and on the other instances via Redis.
   * Call it after the revoking transaction committed.
   */
  forget(credentialIds: readonly string[], ownerIds?: readonly string[]): void;
  /** For the revocation bus: what another instance revoked. */
  forgetLocal(m: RevocationMessage): void;
  setBus(bus: RevocationBus | undefined): void;
  createToken(tenantId: string, opts: NewTokenInput, q?: Queryable): Promise<{ id: string; token: string; masked: string }>;
  createServiceToken(
    tenantId: string,
    opts: { serviceAccountId: string; name: string; scopes: Scope[]; secret?: string; expiresAt?: Date | null },
    q?: Queryable,
  ): Promise<{ id: string; token: string }>;
}
