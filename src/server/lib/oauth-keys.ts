import { createHmac } from 'node:crypto';

/**
 * The key an OAuth object (oidc-provider model) is stored and found under: an HMAC of its model and
 * id under the server secret. The id of an authorization code or an opaque access or refresh token
 * is the secret the client presents, so the database holds neither codes nor tokens, only these.
 * The authorization server (modules/oauth) writes with it and the API's credential check
 * (modules/tokens) looks access tokens up with it.
 */
export function oauthKey(secret: string, model: string, id: string): Buffer {
  // The two kinds of access token share one key space, so the credential check looks once.
  const kind = model === 'ClientCredentials' ? 'AccessToken' : model;
  return createHmac('sha256', secret).update(`oauth:${kind}:${id}`).digest();
}

/** The shape of oidc-provider's opaque tokens: 43 base64url characters (256 bits), nothing else. */
export const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;
