/**
 * The one test harness: every test file imports from here.
 *
 * - `setup()` / `teardown(s)`: a server over a copy of the migrated template, with a tenant, an
 *   admin client and factories; teardown fails the file on any 5xx, error log line or response
 *   that breaks its route's schema (and file-hooks.ts checks whatever a file did not tear down).
 * - `client(url, token)` for JSON over fetch, `raw(url, opts)` for what fetch will not send.
 * - `startProcess`, `admin`, `freshStorage` for the server and CLI as processes.
 */
export * from './setup.js';
export * from './server.js';
export * from './http.js';
export * from './processes.js';
export * from './receiver.js';
export * from './redis.js';
export * from './time.js';
export { createStorage, type Storage } from './storage.js';
