import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../../api/client';
import { ApiError, describeError, unwrap } from '../../../api/errors';
import type { Data } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Banner, Spinner } from '../../../ui/feedback';
import { formatDateTime } from '../../../ui/format';
import { AuthCard } from './auth-card';
import { fragmentToken } from './next';
import { NewPassword } from './password-fields';
import { startFresh } from './session-check';

type LinkInfo = Data<'lookupInvitation'>;
type Kind = LinkInfo['kind'];

const WORDS: Record<Kind, { title: string; invalid: string; action: string; notice: string }> = {
  invitation: {
    title: 'Accept invitation',
    invalid: 'Invitation links work once and expire after 7 days. Ask your admin to send you a new invitation.',
    action: 'Set password and sign in',
    notice: 'password-set',
  },
  password_reset: {
    title: 'Reset password',
    invalid: 'Password reset links work once and expire after 1 hour. Ask your admin for a new password reset link.',
    action: 'Set new password',
    notice: 'password-reset',
  },
};

/**
 * An invitation or password reset link (`#token=…`, a fragment so the token never reaches a
 * server log): whom it is for, then a new password, then signed in.
 */
export function LinkPage({ kind }: { kind: Kind }) {
  const navigate = useNavigate();
  const [token] = useState(fragmentToken);
  const [info, setInfo] = useState<LinkInfo>();
  const [invalid, setInvalid] = useState<string | undefined>(token ? undefined : 'This link is incomplete: the part after #token= is missing.');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fieldError, setFieldError] = useState<string>();
  const words = WORDS[info?.kind ?? kind];

  useEffect(() => {
    if (!token) return;
    unwrap(api.POST('/auth/invitations/lookup', { body: { token } })).then(
      (r) => setInfo(r.data),
      (err) => setInvalid(err instanceof ApiError && (err.status === 401 || err.status === 404 || err.status === 400)
        ? 'This link is not valid: it may have expired or been used already.' : describeError(err)),
    );
  }, [token]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!info || !token || password !== confirm) return;
    setBusy(true);
    setError(undefined);
    setFieldError(undefined);
    try {
      const body = { token, password };
      await unwrap(info.kind === 'invitation'
        ? api.POST('/auth/invitations/accept', { body })
        : api.POST('/auth/password-reset', { body }));
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.fields.password) return setFieldError(err.fields.password);
      if (err instanceof ApiError && err.status === 401) return setInvalid('This link is not valid any more: it may have expired or been used already.');
      return setError(describeError(err));
    }
    // The password is set; sign in with it (a user with 2FA finishes on the sign-in page).
    try {
      await unwrap(api.POST('/auth/login', { body: { email: info.email, password, set_cookie: true } }));
      startFresh();
      navigate('/', { replace: true });
    } catch {
      navigate(`/sign-in?notice=${words.notice}`, { replace: true, state: { email: info.email } });
    }
  };

  if (invalid) {
    return (
      <AuthCard title={words.title}>
        <Banner kind="error"><div><strong>{invalid}</strong></div></Banner>
        <p>{words.invalid}</p>
        <a href="/sign-in" className="btn btn-secondary btn-md auth-submit">Go to sign in</a>
      </AuthCard>
    );
  }
  if (!info) return <AuthCard title={words.title}><Spinner label="Checking your link…" /></AuthCard>;
  return (
    <AuthCard title={info.kind === 'invitation' ? `Welcome, ${info.name}` : words.title}
      subtitle={info.kind === 'invitation'
        ? <>You have been invited to <strong>{info.tenant.name}</strong> on NEURO. Choose a password for <strong>{info.email}</strong>.</>
        : <>Choose a new password for <strong>{info.email}</strong> ({info.tenant.name}). Your other sessions will be signed out.</>}>
      {error && <Banner kind="error">{error}</Banner>}
      <form onSubmit={(e) => void submit(e)} className="auth-form">
        <input type="email" autoComplete="username" value={info.email} readOnly hidden />
        <NewPassword label={info.kind === 'invitation' ? 'Password' : 'New password'} value={password} onChange={setPassword}
          confirm={confirm} onConfirm={setConfirm} error={fieldError} autoFocus />
        <Button type="submit" variant="primary" className="auth-submit" busy={busy} disabled={password !== confirm}>{words.action}</Button>
      </form>
      <p className="auth-aside muted">This link works once, until {formatDateTime(info.expires_at)}.</p>
    </AuthCard>
  );
}
