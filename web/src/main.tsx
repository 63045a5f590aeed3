import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { queryClient } from './api/query';
import { router } from './app/router';
import { applyTheme } from './app/theme';
import { prefetchMe } from './app/session';
import './styles/base.css';

applyTheme();
// The pages outside the shell (sign-in, setup, links) have no session to ask about.
if (!/^\/(sign-in|setup|invite|reset-password)(\/|$)/.test(location.pathname)) prefetchMe(queryClient);
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
