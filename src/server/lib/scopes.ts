/** Scopes a credential can carry, and what each role may hold: one table drives every check. */
export const SCOPES = [
  'projects:read', 'projects:write',
  'findings:read', 'findings:write',
  'reports:read', 'reports:write',
  'assets:read', 'assets:write',
  'clients:read', 'clients:write',
  'users:read', 'users:write',
  'webhooks:read', 'webhooks:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['admin', 'manager', 'tester', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const rw = (...resources: string[]) => resources.flatMap((r) => [`${r}:read`, `${r}:write`]);
const ro = (...resources: string[]) => resources.map((r) => `${r}:read`);

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: SCOPES,
  manager: [...rw('clients', 'projects', 'findings', 'assets', 'reports'), ...ro('users')] as Scope[],
  tester: [...ro('clients', 'projects'), ...rw('findings', 'assets', 'reports')] as Scope[],
  viewer: ro('clients', 'projects', 'findings', 'assets', 'reports') as Scope[],
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** `admin` implies every scope. */
export function grants(scopes: readonly string[], required: Scope): boolean {
  return scopes.includes(required) || scopes.includes('admin');
}

export function roleAllows(role: Role, required: Scope): boolean {
  return ROLE_SCOPES[role].includes(required);
}
