import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The tenant an authorization-server request acts in. On a tenant host it is the host's from the
 * start; on a host without a tenant part it is unknown until the first object the request finds
 * (its client, code, token or interaction) names it, and from then on an object of any other
 * tenant is treated as not there. Every row the adapter writes carries it.
 */
export interface OauthScope {
  tenantId: string | null;
}

export const oauthScope = new AsyncLocalStorage<OauthScope>();

export function currentScope(): OauthScope {
  const scope = oauthScope.getStore();
  if (!scope) throw new Error('OAuth storage used outside an OAuth request scope');
  return scope;
}

/** True when a row of `tenantId` may be seen by this request (and fixes its tenant if not yet known). */
export function admitTenant(tenantId: string): boolean {
  const scope = currentScope();
  if (scope.tenantId === null) scope.tenantId = tenantId;
  return scope.tenantId === tenantId;
}
