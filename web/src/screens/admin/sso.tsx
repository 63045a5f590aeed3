import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Data } from '../../api/types';
import { ROLE_LABELS, ROLES } from '../../app/scopes';
import { Button } from '../../ui/button';
import { useConfirm } from '../../ui/dialog';
import { Banner, ErrorState, Spinner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDateTime } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { useToast } from '../../ui/toast';
import { AdminOnly } from './parts/admin-only';
import { formErrors } from './parts/forms';
import '../../styles/admin.css';

type Settings = Data<'getSsoSettings'>;
type Role = Settings['default_role'];

export function Component() {
  return <AdminOnly title="Single sign-on"><SingleSignOn /></AdminOnly>;
}

function SingleSignOn() {
  const settings = useQuery({
    queryKey: ['settings', 'sso'],
    queryFn: async () => (await unwrap(api.GET('/settings/sso'))).data,
  });
  return (
    <>
      <PageHeader title="Single sign-on"
        description="Let your team sign in through your own OpenID Connect identity provider (Okta, Entra ID, Google Workspace, Keycloak, …)." />
      {settings.error ? <ErrorState error={settings.error} retry={() => void settings.refetch()} />
        : !settings.data ? <Spinner />
          : <SsoForm key={settings.data.updated_at ?? 'new'} settings={settings.data} />}
    </>
  );
}

function SsoForm({ settings }: { settings: Settings }) {
  const qc = useQueryClient();
  const toast = useToast();
  const confirm = useConfirm();
  const [name, setName] = useState(settings.display_name ?? '');
  const [issuer, setIssuer] = useState(settings.issuer_url ?? '');
  const [clientId, setClientId] = useState(settings.client_id ?? '');
  const [secret, setSecret] = useState('');
  const [domains, setDomains] = useState(settings.allowed_domains.join(', '));
  const [role, setRole] = useState<Role>(settings.default_role);
  const [passwords, setPasswords] = useState(settings.passwords_allowed);
  const [enabled, setEnabled] = useState(settings.configured ? settings.enabled : true);

  const save = useMutation({
    mutationFn: async () => (await unwrap(api.PUT('/settings/sso', {
      body: {
        display_name: name, issuer_url: issuer.trim(), client_id: clientId.trim(),
        ...(secret ? { client_secret: secret } : {}),
        allowed_domains: domains.split(/[\s,]+/).map((d) => d.trim()).filter(Boolean),
        default_role: role, passwords_allowed: passwords, enabled,
      },
    }))).data,
    onSuccess: (data) => {
      qc.setQueryData(['settings', 'sso'], data);
      toast(data.enabled ? `Single sign-on saved: the sign-in page offers “Sign in with ${data.display_name}”` : 'Single sign-on saved (turned off)');
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/settings/sso')),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['settings', 'sso'] });
      toast('Single sign-on removed: everyone signs in with their password');
    },
  });
  const errs = save.error ? formErrors(save.error) : { fields: {} as Record<string, string> };
  const domainError = Object.entries(errs.fields).find(([f]) => f.startsWith('allowed_domains'))?.[1];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const askRemove = async () => {
    const ok = await confirm({
      title: 'Remove single sign-on?', danger: true, confirmLabel: 'Remove',
      body: <p>The sign-in page stops offering {settings.display_name}, and the stored client secret is deleted. Accounts stay; people without a password need a password reset link to sign in.</p>,
    });
    if (ok) remove.mutate();
  };

  return (
    <div className="stack">
      <Card title="Redirect URI">
        <p className="muted small">Register this at your provider as the redirect (callback) URI of the application:</p>
        <code className="mono" data-testid="redirect-uri">{settings.redirect_uri}</code>
      </Card>
      <form onSubmit={submit} className="card" aria-label="Single sign-on">
        {errs.message && <Banner kind="error">{errs.message}</Banner>}
        {remove.error && <Banner kind="error">{describeError(remove.error)}</Banner>}
        <div className="grid grid-2">
          <Field label="Provider name" error={errs.fields.display_name} hint="On the sign-in button: “Sign in with …”.">
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required placeholder="Acme ID" />
          </Field>
          <Field label="Issuer URL" error={errs.fields.issuer_url} hint="Its /.well-known/openid-configuration is read when you save.">
            <input type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} maxLength={2000} required placeholder="https://id.example.com" spellCheck={false} />
          </Field>
          <Field label="Client ID" error={errs.fields.client_id}>
            <input value={clientId} onChange={(e) => setClientId(e.target.value)} maxLength={500} required spellCheck={false} className="mono" />
          </Field>
          <Field label="Client secret" error={errs.fields.client_secret}
            hint={settings.client_secret_set ? 'A secret is stored; it is never shown. Leave empty to keep it.' : 'Stored encrypted and never shown again.'}>
            <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} maxLength={2000} autoComplete="new-password"
              placeholder={settings.client_secret_set ? '••••••••' : ''} />
          </Field>
          <Field label="Allowed email domains" error={domainError}
            hint="Comma-separated, exact (example.com does not include sub.example.com). Only these may sign in; a first sign-in creates the account.">
            <input value={domains} onChange={(e) => setDomains(e.target.value)} required placeholder="example.com" spellCheck={false} />
          </Field>
          <Field label="Role of new accounts" error={errs.fields.default_role}>
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
            </select>
          </Field>
        </div>
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            <span>Offer “Sign in with {name.trim() || '…'}” on the sign-in page</span>
          </label>
        </div>
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={passwords} onChange={(e) => setPasswords(e.target.checked)} aria-describedby="sso-passwords-hint" />
            <span>Passwords stay allowed</span>
          </label>
          <div id="sso-passwords-hint" className="field-hint">
            Turned off, only admins may still sign in with a password — the way back in if the provider fails.
          </div>
        </div>
        <div className="form-actions">
          {settings.updated_at && <span className="muted small spacer">Last saved {formatDateTime(settings.updated_at)}</span>}
          {settings.configured && <Button variant="danger" onClick={() => void askRemove()} busy={remove.isPending}>Remove</Button>}
          <Button type="submit" variant="primary" busy={save.isPending}>Save single sign-on</Button>
        </div>
      </form>
    </div>
  );
}
