import { createBrowserRouter, Navigate } from 'react-router';
import { Shell } from './shell';
import { SettingsLayout } from './settings-layout';
import { NotFound } from './not-found';

/**
 * Every screen is its own chunk, loaded when first opened (a screen module exports `Component`),
 * so the first load carries only the shell; the finding editor and the CVSS calculator come with
 * the editor's chunk.
 */
export const router = createBrowserRouter([
  { path: '/setup', lazy: () => import('../screens/auth/setup') },
  { path: '/sign-in', lazy: () => import('../screens/auth/sign-in') },
  { path: '/invite', lazy: () => import('../screens/auth/invite') },
  { path: '/reset-password', lazy: () => import('../screens/auth/reset-password') },
  { path: '/oauth/consent/:uid', lazy: () => import('../screens/oauth/consent') },
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, lazy: () => import('../screens/dashboard/dashboard') },
      { path: 'clients', lazy: () => import('../screens/clients/list') },
      { path: 'clients/:clientId', lazy: () => import('../screens/clients/detail') },
      { path: 'projects', lazy: () => import('../screens/projects/list') },
      {
        path: 'projects/:projectId',
        lazy: () => import('../screens/projects/layout'),
        children: [
          { index: true, lazy: () => import('../screens/projects/overview') },
          { path: 'findings', lazy: () => import('../screens/findings/project-findings') },
          { path: 'assets', lazy: () => import('../screens/assets/project-assets') },
          { path: 'reports', lazy: () => import('../screens/reports/project-reports') },
          { path: 'history', lazy: () => import('../screens/projects/history') },
        ],
      },
      { path: 'findings', lazy: () => import('../screens/findings/list') },
      { path: 'findings/new', lazy: () => import('../screens/findings/editor') },
      { path: 'findings/:findingId', lazy: () => import('../screens/findings/editor') },
      { path: 'assets/:assetId', lazy: () => import('../screens/assets/detail') },
      { path: 'reports', lazy: () => import('../screens/reports/list') },
      {
        path: 'settings',
        element: <SettingsLayout />,
        children: [
          { index: true, element: <Navigate to="profile" replace /> },
          { path: 'profile', lazy: () => import('../screens/account/profile') },
          { path: 'api-access', lazy: () => import('../screens/account/api-access') },
          { path: 'connected-apps', lazy: () => import('../screens/account/connected-apps') },
          { path: 'integrations', lazy: () => import('../screens/admin/integrations') },
          { path: 'oauth-apps', lazy: () => import('../screens/admin/oauth-apps') },
          { path: 'webhooks', lazy: () => import('../screens/admin/webhooks') },
          { path: 'users', lazy: () => import('../screens/admin/users') },
          { path: 'audit-log', lazy: () => import('../screens/admin/audit-log') },
          { path: 'single-sign-on', lazy: () => import('../screens/admin/sso') },
          { path: 'branding', lazy: () => import('../screens/admin/branding') },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
