import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { Database } from '../../db/driver.js';
import { deriveKey, seal, unseal } from './sealed.js';

/**
 * Access tokens: JWTs signed by a key the server makes and keeps (table signing_keys, private half
 * sealed with the server secret). One algorithm (EdDSA/Ed25519) is accepted, never what the token
 * claims; issuer, audience, type and expiry are checked. Rotation adds a new key and retires the
 * old ones, which still verify for two hours so tokens issued before the rotation live out their hour.
 */
export const JWT_ALG = 'EdDSA';
export const JWT_ISSUER = 'neuro';
export const JWT_AUDIENCE = 'neuro-api';
export const JWT_TYPE = 'at+jwt';
export const ACCESS_TOKEN_SECONDS = 3600;
const RETIRED_VERIFY_MS = 2 * 3600_000;
const RELOAD_EVERY_MS = 60_000;

export interface AccessClaims {
  /** user id */
  sub: string;
  /** session id */
  sid: string;
  /** tenant id */
  tid: string;
}

interface KeyRow {
  id: string;
  public_jwk: JWK;
  private_key: string;
  retired_at: Date | string | null;
}

type Key = Awaited<ReturnType<typeof importJWK>>;

const UNKNOWN_KID_RELOAD_MS = 1000;

export type KeyStore = ReturnType<typeof createKeyStore>;

export function createKeyStore(deps: { db: Database; secret: string }) {
  const { db } = deps;
  const sealKey = deriveKey(deps.secret, 'jwt-signing-key');
  let signing: { kid: string; key: Key } | undefined;
  let publicKeys = new Map<string, Key>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;

  async function insertKey(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('Ed25519', { extractable: true });
    const kid = `key_${randomUUID()}`;
    const pub = { ...(await exportJWK(publicKey)), kid, alg: JWT_ALG, use: 'sig' };
    const priv = seal(sealKey, JSON.stringify(await exportJWK(privateKey)));
    await db.system((q) =>
      q.query('INSERT INTO signing_keys (id, alg, public_jwk, private_key) VALUES ($1, $2, $3::jsonb, $4)', [kid, JWT_ALG, JSON.stringify(pub), priv]),
    );
  }

  async function reload(): Promise<void> {
    const { rows } = await db.system((q) =>
      q.query<KeyRow>(
        `SELECT id, public_jwk, private_key, retired_at FROM signing_keys
          WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
          ORDER BY created_at DESC, id DESC`,
        [RETIRED_VERIFY_MS / 1000],
      ),
    );
    const next = new Map<string, Key>();
    let nextSigning: typeof signing;
    for (const row of rows) {
      next.set(row.id, await importJWK(row.public_jwk, JWT_ALG));
      if (nextSigning || row.retired_at !== null) continue;
      try {
        nextSigning = { kid: row.id, key: await importJWK(JSON.parse(unseal(sealKey, row.private_key)) as JWK, JWT_ALG) };
      } catch {
        // Sealed under another server secret: unusable for signing here.
      }
    }
    publicKeys = next;
    signing = nextSigning;
    loadedAt = Date.now();
  }

  function load(): Promise<void> {
    loading ??= reload().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function signingKey() {
    if (!signing || Date.now() - loadedAt > RELOAD_EVERY_MS) await load();
    if (!signing) {
      await insertKey();
      await load();
    }
    return signing!;
  }

  return {
    async sign(claims: AccessClaims, now = Date.now()): Promise<string> {
      const { kid, key } = await signingKey();
      const iat = Math.floor(now / 1000);
      return new SignJWT({ sid: claims.sid, tid: claims.tid })
        .setProtectedHeader({ alg: JWT_ALG, kid, typ: JWT_TYPE })
        .setSubject(claims.sub)
        .setIssuer(JWT_ISSUER)
        .setAudience(JWT_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
        .setJti(randomUUID())
        .sign(key);
    },

    /** The verified claims, or null for anything forged, tampered, expired or of another kind. */
    async verify(token: string): Promise<(AccessClaims & JWTPayload) | null> {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const kid = header.kid ?? '';
            if (!publicKeys.has(kid)) {
              // A key made since the last load (rotated on another instance) must verify too. Reloads
              // for unknown key ids happen at most once a second: wait for the next one rather than
              // refuse, so forged key ids cost a wait, not a database query each.
              // The wait is the limit: after it, load (or join the load in flight). Comparing the clock
              // again would skip the load when the timer fires a millisecond early.
              const wait = loadedAt + UNKNOWN_KID_RELOAD_MS - Date.now();
              if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
              if (!publicKeys.has(kid)) await (loading ?? load());
            }
            const key = publicKeys.get(kid);
            if (!key) throw new Error('unknown key');
            return key;
          },
          {
            algorithms: [JWT_ALG],
            issuer: JWT_ISSUER,
            audience: JWT_AUDIENCE,
            typ: JWT_TYPE,
            requiredClaims: ['exp', 'iat', 'sub', 'sid', 'tid'],
            clockTolerance: 5,
          },
        );
        if (typeof payload.sid !== 'string' || typeof payload.tid !== 'string' || typeof payload.sub !== 'string') return null;
        return payload as AccessClaims & JWTPayload;
      } catch {
        return null;
      }
    },

    /** Makes a new signing key; the old ones keep verifying for two hours. */
    async rotate(): Promise<string> {
      await insertKey();
      await db.system((q) =>
        q.query(
          `UPDATE signing_keys SET retired_at = now()
            WHERE retired_at IS NULL AND id <> (SELECT id FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1)`,
        ),
      );
      await load();
      return signing!.kid;
    },

    /** Public keys as a JWK set, for anyone who wants to check our tokens themselves. */
    async jwks(): Promise<{ keys: JWK[] }> {
      const { rows } = await db.system((q) =>
        q.query<{ public_jwk: JWK }>(
          `SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
            ORDER BY created_at DESC`,
          [RETIRED_VERIFY_MS / 1000],
        ),
      );
      return { keys: rows.map((r) => r.public_jwk) };
    },
  };
}
