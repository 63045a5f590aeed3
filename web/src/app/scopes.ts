/**
 * The scopes a token can carry and what each role may hold — the same table as the server's
 * `src/server/lib/scopes.ts` (which the API enforces; this copy only decides what the form offers).
 */
export const RESOURCES = ['projects', 'findings', 'assets', 'reports', 'clients', 'users', 'webhooks'] as const;
export const ADMIN = 'admin';

type Role = 'admin' | 'manager' | 'tester' | 'viewer';
const rw = (...r: string[]) => r.flatMap((x) => [`${x}:read`, `${x}:write`]);
const ro = (...r: string[]) => r.map((x) => `${x}:read`);

const ROLE_SCOPES: Record<Role, string[]> = {
  admin: [...rw(...RESOURCES), ADMIN],
  manager: [...rw('clients', 'projects', 'findings', 'assets', 'reports'), ...ro('users')],
  tester: [...ro('clients', 'projects'), ...rw('findings', 'assets', 'reports')],
  viewer: ro('clients', 'projects', 'findings', 'assets', 'reports'),
};

export function allowedScopes(role: string): Set<string> {
  return new Set(ROLE_SCOPES[role as Role] ?? []);
}

/** The presets of the API documentation (neuro-api-authentication.txt, "Limit token permissions with scopes"). */
export const PRESETS = [
  { id: 'read-only', name: 'Read-only integration', scopes: ['projects:read', 'findings:read', 'assets:read'] },
  { id: 'ci-cd', name: 'CI/CD automation', scopes: ['findings:write', 'assets:write'] },
  { id: 'full', name: 'Full access', scopes: [ADMIN] },
] as const;

export const EXPIRATIONS = [
  { value: 'never', label: 'Never' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '1y', label: '1 year' },
] as const;
export type Expiration = (typeof EXPIRATIONS)[number]['value'];

export const label = (resource: string) => resource.charAt(0).toUpperCase() + resource.slice(1);

export const ROLES = ['admin', 'manager', 'tester', 'viewer'] as const;
export const ROLE_LABELS: Record<string, string> = { admin: 'Admin', manager: 'Manager', tester: 'Tester', viewer: 'Viewer' };

/** The scopes by resource, as the token forms group their checkboxes. */
export const SCOPE_GROUPS: { resource: string; scopes: string[] }[] = RESOURCES.map((r) => ({ resource: label(r), scopes: [`${r}:read`, `${r}:write`] }));
export const SCOPE_PRESETS: { id: string; label: string; scopes: string[] }[] = PRESETS.map((p) => ({ id: p.id, label: p.name, scopes: [...p.scopes] }));

/** Whether the signed-in credential may use `scope`: the credential carries it and the role allows it. */
export function mayUse(credentialScopes: readonly string[], role: string, scope: string): boolean {
  return (credentialScopes.includes(scope) || credentialScopes.includes(ADMIN)) && (allowedScopes(role).has(scope) || role === 'admin');
}
