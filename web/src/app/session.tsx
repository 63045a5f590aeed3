import { createContext, useContext, type ReactNode } from 'react';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { unwrap } from '../api/errors';
import type { User } from '../api/types';
import { mayUse } from './scopes';

const SessionContext = createContext<User | undefined>(undefined);

const meQuery = {
  queryKey: ['me'],
  queryFn: async () => (await unwrap(api.GET('/user'))).data,
  staleTime: 60_000,
  retry: false,
} as const;

/** The signed-in user (GET /user); an ApiError 401 when nobody is. */
export function useMeQuery() {
  return useQuery(meQuery);
}

/**
 * Asked for as the app starts, beside the screen's own code and data, rather than after the
 * router has loaded the screen (the shell waits for it before it shows anything).
 */
export function prefetchMe(client: QueryClient) {
  void client.prefetchQuery(meQuery);
}

export function SessionProvider({ me, children }: { me: User; children: ReactNode }) {
  return <SessionContext.Provider value={me}>{children}</SessionContext.Provider>;
}

/** The signed-in user, inside the app shell. */
export function useMe(): User {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useMe outside the signed-in app');
  return me;
}

/**
 * What the signed-in credential may do: its scopes intersected with the role (a browser session
 * carries every scope, so there the role decides), as the API decides it.
 */
export const isAdmin = (me: User) => me.role === 'admin' && me.credential.scopes.includes('admin');
export const canWrite = (me: User, scope: string) => mayUse(me.credential.scopes, me.role, scope);
