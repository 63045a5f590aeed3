import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, setup, teardown, type Setup } from '../helpers/index.js';

/** PUT /findings/{id} with If-Match: the finding's updated_at as the client read it (optimistic concurrency). */
let s: Setup;
let projectId: string;
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
});
afterAll(() => teardown(s));

describe('PUT /findings/{id} with If-Match', () => {
  it('saves when the finding is unchanged since it was read', async () => {
    const f = await s.make.finding(projectId, { title: 'Before' });
    const res = await s.api.put(`/findings/${f.id}`, { title: 'After' }, { 'if-match': f.updated_at });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.title).toBe('After');
    // Quoted like an entity tag, and `*`, match too.
    const again = await s.api.put(`/findings/${f.id}`, { title: 'Quoted' }, { 'if-match': `"${res.body.data.updated_at}"` });
    expect(again.status, again.text).toBe(200);
    expect((await s.api.put(`/findings/${f.id}`, { title: 'Any' }, { 'if-match': '*' })).status).toBe(200);
  });

  it('refuses a stale save with 409 CONFLICT, the current updated_at in details, and stores nothing', async () => {
    const asset = await s.make.asset(projectId);
    const f = await s.make.finding(projectId, { title: 'Original' });
    const theirs = await s.api.put(`/findings/${f.id}`, { title: 'Theirs' });
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.updated_at).not.toBe(f.updated_at);

    const mine = await s.api.put(`/findings/${f.id}`, { title: 'Mine', status: 'Confirmed', asset_ids: [asset.id] }, { 'if-match': f.updated_at });
    expectError(mine, 409, 'CONFLICT');
    expect(mine.body.error.details).toEqual([{ field: 'updated_at', message: theirs.body.data.updated_at }]);

    const now = (await s.api.get(`/findings/${f.id}`)).body.data;
    expect(now).toMatchObject({ title: 'Theirs', status: 'Open', asset_ids: [], updated_at: theirs.body.data.updated_at });
    const events = await s.api.get(`/findings/${f.id}/history`);
    if (events.status === 200) expect(JSON.stringify(events.body.data)).not.toContain('Mine');
  });

  it('keeps last-write-wins without the header', async () => {
    const f = await s.make.finding(projectId);
    await s.api.put(`/findings/${f.id}`, { title: 'One' });
    const res = await s.api.put(`/findings/${f.id}`, { title: 'Two' });
    expect(res.status).toBe(200);
    expect(res.body.data.title).toBe('Two');
  });

  it('refuses an If-Match that is not a time with a field error', async () => {
    const f = await s.make.finding(projectId);
    expectError(await s.api.put(`/findings/${f.id}`, { title: 'x' }, { 'if-match': 'yesterday' }), 400, 'VALIDATION_ERROR', ['If-Match']);
  });

  it('still refuses a token without findings:write (403) and a token of another tenant (404)', async () => {
    const f = await s.make.finding(projectId);
    const reader = client(s.server.url, await s.server.mintToken(s.tenant, ['findings:read']));
    expectError(await reader.put(`/findings/${f.id}`, { title: 'x' }, { 'if-match': f.updated_at }), 403, 'FORBIDDEN');
    const other = await s.server.createTenant();
    const outsider = client(s.server.url, other.token);
    expectError(await outsider.put(`/findings/${f.id}`, { title: 'x' }, { 'if-match': f.updated_at }), 404, 'NOT_FOUND');
    expect((await s.api.get(`/findings/${f.id}`)).body.data.title).toBe(f.title);
  });
});
