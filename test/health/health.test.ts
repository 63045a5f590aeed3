import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));

describe('health and the API description', () => {
  it('answers health without a credential', async () => {
    const res = await client(s.server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: { status: 'ok', version: expect.any(String), database: { kind: s.server.db.kind, reachable: true } },
    });
  });

  it('serves an OpenAPI 3.1 document in which every operation has a unique operationId', async () => {
    const res = await client(s.server.url).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\./);
    const ops: { path: string; method: string; operationId?: string }[] = [];
    for (const [path, item] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) ops.push({ path, method, operationId: op.operationId });
    }
    expect(ops.length).toBeGreaterThanOrEqual(27);
    expect(ops.filter((o) => !o.operationId)).toEqual([]);
    const opIds = ops.map((o) => o.operationId);
    expect(new Set(opIds).size).toBe(opIds.length);
    for (const path of ['/projects', '/projects/{id}', '/findings', '/findings/{id}', '/assets/{id}', '/clients/{id}/projects',
      '/assets/{id}/findings', '/projects/{id}/assets', '/projects/{id}/findings', '/users', '/health']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });
});
