import { refreshSession } from '../../../api/client';
import { queryClient } from '../../../api/query';

/**
 * Whether the browser holds a session: GET /user, and once more after a cookie refresh. Plain
 * fetch on purpose — the typed client's "signed out" hook belongs to the shell, not to these pages.
 */
export async function hasSession(): Promise<boolean> {
  const ask = () => fetch('/api/v1/user', { headers: { accept: 'application/json' } }).then((r) => r.ok, () => false);
  if (await ask()) return true;
  return (await refreshSession()) && ask();
}

/** After signing in as someone (maybe someone else): nothing cached from before may show. */
export function startFresh() {
  queryClient.clear();
}
