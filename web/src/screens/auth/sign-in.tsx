import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { ApiError, describeError, unwrap } from '../../api/errors';
import { Button } from '../../ui/button';
import { Banner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { AuthCard } from './parts/auth-card';
import { clock, retryWords, useCountdown } from './parts/countdown';
import { safeNext, sentence } from './parts/next';
import { hasSession, startFresh } from './parts/session-check';
import { getSetup } from './parts/setup-api';
import { SSO_ERRORS, ssoStartUrl, useSsoStatus } from './parts/sso';

/** Messages other pages may ask this one to show (a fixed list: a link cannot put words here). */
const NOTICES: Record<string, string> = {
  'password-set': 'Your password is set. Sign in with your email and the new password.',
  'password-reset': 'Your password was changed and your other sessions were ended. Sign in with the new password.',
  'setup-done': 'Setup is complete. Sign in with the admin account.',
};

type Step = 'password' | 'code';

export function Component() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const next = safeNext(params.get('next'));
  const notice = NOTICES[params.get('notice') ?? ''];
  const tenant = params.get('tenant');
  const sso = useSsoStatus(tenant);
  const ssoError = SSO_ERRORS[params.get('sso_error') ?? ''];

  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState((location.state as { email?: string } | null)?.email ?? '');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [lockedUntil, setLockedUntil] = useState<number>();
  const left = useCountdown(lockedUntil);
  const locked = lockedUntil !== undefined && left > 0;
  const codeInput = useRef<HTMLInputElement>(null);

  // Someone already signed in goes straight to the app; a workspace without users, to first-run setup.
  useEffect(() => {
    let live = true;
    void (async () => {
      if (await hasSession()) {
        if (live) navigate(next, { replace: true });
        return;
      }
      const state = await getSetup().catch(() => undefined);
      if (live && state?.needs_setup) navigate('/setup', { replace: true });
    })();
    return () => { live = false; };
  }, [navigate, next]);

  useEffect(() => {
    if (step === 'code') codeInput.current?.focus();
  }, [step, useRecovery]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (locked) return;
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      const second = step === 'code' ? (useRecovery ? { recovery_code: code.trim() } : { totp_code: code.replace(/\s/g, '') }) : {};
      await unwrap(api.POST('/auth/login', { body: { email: email.trim(), password, set_cookie: true, ...second } }));
      startFresh();
      navigate(next, { replace: true });
    } catch (err) {
      setBusy(false);
      if (!(err instanceof ApiError)) return setError(describeError(err));
      if (err.code === 'TOTP_REQUIRED') {
        setStep('code');
        return;
      }
      if (err.status === 429) {
        setLockedUntil(Date.now() + (err.retryAfter ?? 60) * 1000);
        return;
      }
      if (step === 'code' && err.status === 401) {
        setCode('');
        return setError(useRecovery
          ? 'That recovery code is not valid (each works only once). Check it, or use the code from your authenticator app.'
          : 'That code is not valid. Codes change every 30 seconds: enter the one your authenticator app shows now.');
      }
      if (err.status === 400 && err.details.length) {
        const f = err.fields;
        if (f.email || f.password) return setFields(f);
        return setError(err.details.map((d) => sentence(`${d.field} ${d.message}`)).join(' '));
      }
      if (err.status === 403 && sso?.enabled) return setError(`${err.message}. Admins can still use their password.`);
      if (err.status === 401) return setError(`${err.message}. Check both and try again; if you forgot your password, ask your admin for a reset link.`);
      setError(describeError(err));
    }
  };

  const back = () => {
    setStep('password');
    setCode('');
    setUseRecovery(false);
    setError(undefined);
  };

  return (
    <AuthCard title={step === 'password' ? 'Sign in' : 'Two-factor authentication'}
      subtitle={step === 'password' ? 'Sign in to your team’s NEURO workspace.' : useRecovery
        ? 'Enter one of the recovery codes you saved when you turned on two-factor authentication.'
        : 'Enter the 6-digit code from your authenticator app.'}
      footer={<span>Forgot your password? Ask your admin for a password reset link.</span>}>
      {notice && !error && !locked && <Banner kind="success">{notice}</Banner>}
      {lockedUntil !== undefined && (left > 0 ? (
        <div className="banner banner-error" role="alert">
          <div>
            <strong>Too many failed attempts.</strong> Sign-in for this account is paused for your protection.
            You can try again in {retryWords(Math.max(left, 1))}.
            <div className="auth-countdown">Time left: <span role="timer" aria-live="off" className="mono">{clock(left)}</span></div>
          </div>
        </div>
      ) : <Banner kind="info">You can try again now.</Banner>)}
      {error && <div className="banner banner-error" role="alert">{error}</div>}
      {ssoError && !error && <div className="banner banner-error" role="alert">{ssoError}</div>}
      {step === 'password' && sso?.enabled && sso.name && (
        <>
          <a className="btn btn-primary btn-md auth-submit auth-sso" href={ssoStartUrl(next, tenant)}>Sign in with {sso.name}</a>
          <div className="auth-divider" role="separator"><span>{sso.passwords_allowed ? 'or with your password' : 'admins: with your password'}</span></div>
        </>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate={false} className="auth-form">
        {step === 'password' ? (
          <>
            <Field label="Email" error={sentence(fields.email, 'Email')}>
              <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
            </Field>
            <Field label="Password" error={sentence(fields.password, 'Password')}>
              <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Button type="submit" variant={sso?.enabled ? 'secondary' : 'primary'} className="auth-submit" busy={busy} disabled={locked}>Sign in</Button>
          </>
        ) : (
          <>
            {useRecovery ? (
              <Field label="Recovery code" key="recovery">
                <input ref={codeInput} type="text" autoComplete="off" spellCheck={false} required value={code}
                  onChange={(e) => setCode(e.target.value)} className="mono" />
              </Field>
            ) : (
              <Field label="Authentication code" key="totp">
                <input ref={codeInput} type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6}
                  required value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} className="mono auth-code" />
              </Field>
            )}
            <Button type="submit" variant="primary" className="auth-submit" busy={busy} disabled={locked}>Verify</Button>
            <div className="auth-links">
              <button type="button" className="link-button" onClick={() => { setUseRecovery(!useRecovery); setCode(''); setError(undefined); }}>
                {useRecovery ? 'Use your authenticator app instead' : 'Use a recovery code instead'}
              </button>
              <button type="button" className="link-button" onClick={back}>Back</button>
            </div>
          </>
        )}
      </form>
      {step === 'password' && <p className="auth-aside muted">New here? Open the invitation link your admin sent you.</p>}
    </AuthCard>
  );
}
