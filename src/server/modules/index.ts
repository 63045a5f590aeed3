import type { Module } from '../types.js';
import { healthModule } from './health/routes.js';
import { clientsModule } from './clients/routes.js';
import { projectsModule } from './projects/routes.js';
import { findingsModule } from './findings/routes.js';
import { assetsModule } from './assets/routes.js';
import { usersModule } from './users/routes.js';
import { authModule } from './auth/routes.js';
import { apiKeysModule } from './api-keys/routes.js';
import { serviceAccountsModule } from './service-accounts/routes.js';
import { auditModule } from './audit/routes.js';
import { eventsModule } from './events/routes.js';
import { webhooksModule } from './webhooks/routes.js';
import { tenantsModule } from './tenants/module.js';
import { reportsModule } from './reports/routes.js';
import { invitationsModule } from './invitations/routes.js';
import { setupModule } from './setup/routes.js';
import { activityModule } from './activity/routes.js';
import { mcpModule } from './mcp/routes.js';
import { ssoModule } from './sso/routes.js';
import { oauthModule } from './oauth/routes.js';
import { oauthServerModule } from './oauth/server.js';

/**
 * Every feature module, in the order their routes and OpenAPI tags appear: the one list to add a
 * new module to. Everything else about a module (ids, objects, events, cached tables, read-only
 * fields, workers) it declares itself.
 */
export const modules: Module[] = [
  healthModule, tenantsModule, projectsModule, findingsModule, assetsModule, clientsModule, reportsModule, usersModule,
  invitationsModule, authModule, ssoModule, setupModule, apiKeysModule, serviceAccountsModule, auditModule, webhooksModule, eventsModule,
  activityModule, mcpModule, oauthModule, oauthServerModule,
];
