import { useEffect, useState } from 'react';
import { api } from '../../../api/client';
import type { Data } from '../../../api/types';

export type SsoStatus = Data<'getSsoStatus'>;

/**
 * Why a sign-in through the team's provider came back without a session (the server's
 * `/sign-in?sso_error=…`): a fixed list, so a link cannot put its own words on this page.
 */
export const SSO_ERRORS: Record<string, string> = {
  sso_not_enabled: 'Single sign-on is not set up for this workspace. Sign in with your email and password.',
  sso_state_invalid: 'That sign-in link has expired or was already used. Start again with the button below.',
  sso_cancelled: 'Sign-in was cancelled at your identity provider.',
  sso_provider_error: 'Your identity provider refused the sign-in. Try again, or ask your admin.',
  sso_provider_unreachable: 'Your identity provider cannot be reached right now. Try again in a moment.',
  sso_token_invalid: 'Your identity provider’s answer could not be verified, so you were not signed in. Ask your admin to check the single sign-on settings.',
  sso_email_missing: 'Your identity provider did not share your email address, so you were not signed in.',
  sso_email_unverified: 'Your identity provider has not verified your email address, so you were not signed in.',
  sso_domain_not_allowed: 'Your email address’s domain is not allowed to sign in to this workspace. Ask your admin.',
  sso_account_inactive: 'Your account in this workspace is deactivated. Ask your admin.',
};

/** The tenant's provider, for the "Sign in with …" button (undefined while loading or when none). */
export function useSsoStatus(tenant: string | null): SsoStatus | undefined {
  const [status, setStatus] = useState<SsoStatus>();
  useEffect(() => {
    let live = true;
    void api.GET('/auth/sso', { params: { query: tenant ? { tenant } : {} } }).then(
      (res) => { if (live && res.data) setStatus(res.data.data); },
      () => {},
    );
    return () => { live = false; };
  }, [tenant]);
  return status;
}

/** Where the button leads: the server's start of the flow, which redirects to the provider. */
export function ssoStartUrl(next: string, tenant: string | null): string {
  const q = new URLSearchParams({ return_to: next });
  if (tenant) q.set('tenant', tenant);
  return `/api/v1/auth/sso/start?${q}`;
}
