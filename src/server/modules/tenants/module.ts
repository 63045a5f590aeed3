import type { Module } from '../../types.js';

/** Tenants are made by the operator (npm run admin, first start), not through the API. */
export const tenantsModule: Module = {
  name: 'tenants',
  ids: { ten: 'tenant' },
  register() {},
};
