import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, base64url, generateKeyPair, importJWK, type JWK } from 'jose';
import { client, setup, teardown, type Setup, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';
import { createKeyStore } from '../../src/server/lib/jwt.js';
import { deriveKey, unseal } from '../../src/server/lib/sealed.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let user: TestUser;
let access: string;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
  user = await server.createUser(tenant, { role: 'manager' });
  access = (await server.login(tenant, user)).access_token;
}, 180_000);
afterAll(() => teardown(s));

const get = (token: string, path = '/projects') => client(server.url, token).get(path);

/** The server's own signing key, read the way the server does, to make tokens it must still refuse. */
async function serverKey() {
  const { rows } = await server.db.system((q) =>
    q.query<{ id: string; private_key: string }>('SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1'),
  );
  const jwk = JSON.parse(unseal(deriveKey(server.secret, 'jwt-signing-key'), rows[0]!.private_key)) as JWK;
  return { kid: rows[0]!.id, key: await importJWK(jwk, 'EdDSA') };
}

function claims() {
  const [, payload] = access.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

async function sign(overrides: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const { kid, key } = await serverKey();
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { ...claims(), iat: now, exp: now + 3600, ...overrides };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
  return new SignJWT(body).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...header }).sign(key);
}

function expectInvalid(res: { status: number; body: any }) {
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('INVALID_TOKEN');
}

describe('access tokens', () => {
  it('carry the session, user and tenant, are pinned to EdDSA and last one hour', () => {
    const header = JSON.parse(Buffer.from(access.split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const c = claims();
    expect(c).toMatchObject({ sub: user.id, tid: tenant.id, iss: 'neuro', aud: 'neuro-api' });
    expect(String(c.sid)).toMatch(/^sess_/);
    expect(Number(c.exp) - Number(c.iat)).toBe(3600);
  });

  it('work as a Bearer token, with the role limiting what they may do', async () => {
    expect((await get(access)).status).toBe(200);
    const res = await client(server.url, access).post('/users', { email: 'x@example.com', name: 'x', role: 'viewer' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('PERMISSION_DENIED');
  });

  it('refuses alg none', async () => {
    const none = new UnsecuredJWT(claims()).encode();
    expectInvalid(await get(none));
    const [h, p] = access.split('.');
    void h;
    const noneHeader = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    expectInvalid(await get(`${noneHeader}.${p}.`));
  });

  it('refuses a token signed by another key, even one claiming our key id', async () => {
    const { privateKey } = await generateKeyPair('Ed25519');
    const { kid } = await serverKey();
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' }).sign(privateKey);
    expectInvalid(await get(forged));
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = (await client(server.url).get('/auth/jwks.json')).body;
    const pub = jwks.keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(pub));
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: pub.kid, typ: 'at+jwt' }).sign(secret);
    expectInvalid(await get(hs));
  });

  it('refuses a tampered payload or signature', async () => {
    const [h, , s] = access.split('.');
    const evil = base64url.encode(JSON.stringify({ ...claims(), sub: 'user_someone_else' }));
    expectInvalid(await get(`${h}.${evil}.${s}`));
    const sig = s!.slice(0, -2) + (s!.endsWith('AA') ? 'BB' : 'AA');
    expectInvalid(await get(`${h}.${access.split('.')[1]}.${sig}`));
  });

  it('refuses an expired token, a wrong issuer, audience or type, and missing claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectInvalid(await get(await sign({ iat: now - 7200, exp: now - 3600 })));
    expectInvalid(await get(await sign({ iss: 'someone-else' })));
    expectInvalid(await get(await sign({ aud: 'other-api' })));
    expectInvalid(await get(await sign({}, { typ: 'JWT' })));
    expectInvalid(await get(await sign({ sid: undefined })));
    // Signed properly but naming another user than the session's.
    const other = await server.createUser(tenant);
    expectInvalid(await get(await sign({ sub: other.id })));
    // Control: the same construction with nothing changed is accepted.
    expect((await get(await sign({}))).status).toBe(200);
  });

  it('an access token of one tenant is refused on another tenant, and cannot reach its data', async () => {
    const other = await server.createTenant();
    const project = await client(server.url, other.token).post('/projects', { name: 'Theirs' });
    expect(project.status).toBe(201);
    expect((await get(access, `/projects/${project.body.data.id}`)).status).toBe(404);
    const forgedTenant = await sign({ tid: other.id });
    expectInvalid(await get(forgedTenant));
  });

  it('stop at once when the session is revoked or the user deactivated, and pick up a role change', async () => {
    const u = await server.createUser(tenant, { role: 'viewer' });
    const t1 = (await server.login(tenant, u)).access_token;
    const t2 = (await server.login(tenant, u)).access_token;
    expect((await get(t1)).status).toBe(200);
    expect((await client(server.url, t1).post('/projects', { name: 'p' })).status).toBe(403);
    // Role change applies to the next request.
    expect((await client(server.url, tenant.token).put(`/users/${u.id}`, { role: 'manager' })).status).toBe(200);
    expect((await client(server.url, t1).post('/projects', { name: 'p' })).status).toBe(201);
    // Logout ends that session only.
    expect((await client(server.url, t1).post('/auth/logout')).status).toBe(204);
    expectInvalid(await get(t1));
    expect((await get(t2)).status).toBe(200);
    // Deactivation ends everything.
    expect((await client(server.url, tenant.token).del(`/users/${u.id}`)).status).toBe(204);
    expectInvalid(await get(t2));
  });

  it('keeps verifying tokens of a rotated key; new tokens use the new key; the JWK set has both', async () => {
    const before = (await server.login(tenant, user)).access_token;
    const oldKid = JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid;
    // Rotation through a second key store on the same database, as another instance or an operator would.
    const newKid = await createKeyStore({ db: server.db, secret: server.secret }).rotate();
    expect(newKid).not.toBe(oldKid);
    expect((await get(before)).status).toBe(200);
    const jwks = (await client(server.url).get('/auth/jwks.json')).body.keys.map((k: JWK) => k.kid);
    expect(jwks).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const k of (await client(server.url).get('/auth/jwks.json')).body.keys) expect(k.d).toBeUndefined();
    // This instance reloads its keys at most a minute later; a fresh store signs with the new key.
    const fresh = createKeyStore({ db: server.db, secret: server.secret });
    const token = await fresh.sign({ sub: user.id, sid: String(claims().sid), tid: tenant.id });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
    expect((await get(token)).status).toBe(200);
  });

  it('private keys are stored sealed, never in clear', async () => {
    const { rows } = await server.db.system((q) => q.query<{ private_key: string }>('SELECT private_key FROM signing_keys'));
    for (const r of rows) {
      expect(r.private_key).toMatch(/^v1\./);
      expect(r.private_key).not.toContain('"d"');
    }
  });
});
