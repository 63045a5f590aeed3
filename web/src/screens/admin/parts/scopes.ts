/** The API's scopes (src/server/lib/scopes.ts) and the documents' presets (neuro-api-authentication.txt). */
export const SCOPE_GROUPS: { resource: string; scopes: string[] }[] = [
  { resource: 'Projects', scopes: ['projects:read', 'projects:write'] },
  { resource: 'Findings', scopes: ['findings:read', 'findings:write'] },
  { resource: 'Reports', scopes: ['reports:read', 'reports:write'] },
  { resource: 'Assets', scopes: ['assets:read', 'assets:write'] },
  { resource: 'Clients', scopes: ['clients:read', 'clients:write'] },
  { resource: 'Users', scopes: ['users:read', 'users:write'] },
  { resource: 'Webhooks', scopes: ['webhooks:read', 'webhooks:write'] },
];

export const SCOPE_PRESETS: { id: string; label: string; scopes: string[] }[] = [
  { id: 'read-only', label: 'Read-only integration', scopes: ['projects:read', 'findings:read', 'assets:read'] },
  { id: 'ci-cd', label: 'CI/CD automation', scopes: ['findings:write', 'assets:write'] },
  { id: 'full', label: 'Full access', scopes: ['admin'] },
];

export const EXPIRATIONS = [
  { value: 'never', label: 'Never' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '1y', label: '1 year' },
] as const;

export const ROLES = ['admin', 'manager', 'tester', 'viewer'] as const;
export const ROLE_LABELS: Record<string, string> = { admin: 'Admin', manager: 'Manager', tester: 'Tester', viewer: 'Viewer' };
