import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './errors';

/**
 * Query keys start with the API collection they read ('findings', 'projects', …): a live event
 * of an object type refreshes every query of its collection (api/live.ts).
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A 4xx will not change by asking again.
      retry: (count, err) => !(err instanceof ApiError && err.status > 0 && err.status < 500) && count < 2,
    },
    mutations: { retry: false },
  },
});
