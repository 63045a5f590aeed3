import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, describeError } from '../../api/errors';
import { Button } from '../../ui/button';
import { Banner, ErrorState, Spinner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { AuthCard } from './parts/auth-card';
import { sentence } from './parts/next';
import { NewPassword } from './parts/password-fields';
import { startFresh } from './parts/session-check';
import { completeSetup, getSetup, type SetupState } from './parts/setup-api';

/** First run: the tenant has no user yet; this creates its first admin and signs them in. */
export function Component() {
  const navigate = useNavigate();
  const [state, setState] = useState<SetupState>();
  const [loadError, setLoadError] = useState<unknown>();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);

  const load = () => {
    setLoadError(undefined);
    getSetup().then(setState, setLoadError);
  };
  useEffect(load, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) return;
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await completeSetup({ name: name.trim(), email: email.trim(), password });
      startFresh();
      navigate('/', { replace: true });
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 409) return setDone(true);
      if (err instanceof ApiError && err.details.length) {
        setFields(err.fields);
        return setError('Some fields need attention: see below.');
      }
      setError(describeError(err));
    }
  };

  if (loadError) {
    return (
      <AuthCard title="Set up NEURO">
        <ErrorState error={loadError} retry={load} />
      </AuthCard>
    );
  }
  if (!state) return <AuthCard title="Set up NEURO"><Spinner /></AuthCard>;
  if (done || !state.needs_setup) {
    return (
      <AuthCard title="NEURO is set up" subtitle={`The workspace ${state.tenant} already has an admin.`}>
        <p>Sign in with your account. If you do not have one yet, ask your admin for an invitation.</p>
        <Link to="/sign-in" className="btn btn-primary btn-md auth-submit">Go to sign in</Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Set up NEURO" wide
      subtitle={<>Create the first admin of the workspace <strong>{state.tenant}</strong>. You can invite your team afterwards.</>}>
      {error && <Banner kind="error">{error}</Banner>}
      <form onSubmit={(e) => void submit(e)} className="auth-form">
        <Field label="Name" error={sentence(fields.name, 'Name')}>
          <input type="text" autoComplete="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field label="Email" error={sentence(fields.email, 'Email')}>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <NewPassword value={password} onChange={setPassword} confirm={confirm} onConfirm={setConfirm} error={fields.password} />
        <Button type="submit" variant="primary" className="auth-submit" busy={busy} disabled={password !== confirm}>Create admin account</Button>
      </form>
    </AuthCard>
  );
}
