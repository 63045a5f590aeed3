import { useState, type FormEvent } from 'react';
import { api } from '../../../api/client';
import { ApiError, describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import type { Data } from '../../../api/types';
import { useMe } from '../../../app/session';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { Banner } from '../../../ui/feedback';
import { Field } from '../../../ui/field';
import { Card } from '../../../ui/page';
import { useToast } from '../../../ui/toast';
import { sentence } from '../../auth/parts/next';
import { RecoveryCodes } from './recovery-codes';

type Setup = Data<'setupTotp'>;

/** TOTP 2FA: scan the QR code (or type the key), confirm with a code, save the recovery codes. */
export function TwoFactorCard() {
  const me = useMe();
  const [setup, setSetup] = useState<Setup>();
  const [codes, setCodes] = useState<string[]>();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [disabling, setDisabling] = useState(false);
  const on = me.totp_enabled;

  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setSetup((await unwrap(api.POST('/user/2fa/setup'))).data);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const enable = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await unwrap(api.POST('/user/2fa/enable', { body: { totp_code: code } }));
      setCodes(r.data.recovery_codes);
      setSetup(undefined);
      setCode('');
    } catch (err) {
      setError(err instanceof ApiError && err.fields.totp_code
        ? 'That code does not match. Check that the app shows NEURO and enter the code it shows now.'
        : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const finish = () => {
    setCodes(undefined);
    void queryClient.invalidateQueries({ queryKey: ['me'] });
  };

  const status = (
    <span className={`status-pill ${on || codes ? 'is-on' : ''}`}><span className="dot" aria-hidden="true" />{on || codes ? 'On' : 'Off'}</span>
  );

  return (
    <Card>
      <div className="section-head">
        <div>
          <h2>Two-factor authentication</h2>
          <p>Sign-in also asks for a code from an authenticator app (such as 1Password, Aegis, Google Authenticator).</p>
        </div>
        {status}
      </div>
      {error && <Banner kind="error">{error}</Banner>}
      {codes ? (
        <RecoveryCodes codes={codes} account={me.email ?? me.name} onDone={finish} />
      ) : setup ? (
        <div className="totp-setup">
          <div className="totp-qr">
            <img src={setup.qr_code} alt={`QR code for your authenticator app. Can’t scan it? Enter the key ${setup.secret}`} width={180} height={180} />
          </div>
          <form onSubmit={(e) => void enable(e)} className="account-form">
            <ol className="totp-steps">
              <li>Scan the QR code with your authenticator app.</li>
              <li>Enter the 6-digit code the app shows to confirm.</li>
            </ol>
            <p className="account-meta">Can’t scan? Enter this key in the app:
              <code className="totp-key" aria-label="Setup key" tabIndex={0}>{setup.secret}</code>
            </p>
            <Field label="Authentication code">
              <input type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required
                className="mono" value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} autoFocus />
            </Field>
            <div className="form-actions">
              <Button type="submit" variant="primary" busy={busy} disabled={code.length !== 6}>Turn on</Button>
              <Button variant="ghost" onClick={() => { setSetup(undefined); setCode(''); setError(undefined); }}>Cancel</Button>
            </div>
          </form>
        </div>
      ) : on ? (
        <div className="row">
          <span className="muted">Your account asks for a code at each sign-in.</span>
          <span className="spacer" />
          <Button variant="danger" onClick={() => setDisabling(true)}>Turn off two-factor authentication</Button>
        </div>
      ) : (
        <div className="row">
          <span className="muted">Your account is protected by its password only.</span>
          <span className="spacer" />
          <Button variant="primary" busy={busy} onClick={() => void start()}>Set up two-factor authentication</Button>
        </div>
      )}
      <DisableDialog open={disabling} onClose={() => setDisabling(false)} />
    </Card>
  );
}

function DisableDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const toast = useToast();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const close = () => {
    setPassword(''); setCode(''); setError(undefined); setFields({}); setRecovery(false);
    onClose();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await unwrap(api.POST('/user/2fa/disable', { body: { password, ...(recovery ? { recovery_code: code.trim() } : { totp_code: code }) } }));
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      toast('Two-factor authentication is off');
      close();
    } catch (err) {
      if (err instanceof ApiError && err.details.length) setFields(err.fields);
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} title="Turn off two-factor authentication?" onClose={close}>
      <form onSubmit={(e) => void submit(e)}>
        <p className="muted">Sign-in will ask for your password only. Confirm with your password and a current code.</p>
        {error && <Banner kind="error">{error}</Banner>}
        <Field label="Password" error={sentence(fields.password, 'Password')}>
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} autoFocus />
        </Field>
        {recovery ? (
          <Field label="Recovery code" error={sentence(fields.recovery_code, 'Recovery code')} key="r">
            <input type="text" autoComplete="off" required className="mono" value={code} onChange={(e) => setCode(e.target.value)} />
          </Field>
        ) : (
          <Field label="Authentication code" error={sentence(fields.totp_code, 'Authentication code')} key="t">
            <input type="text" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required className="mono"
              value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} />
          </Field>
        )}
        <button type="button" className="link-button" onClick={() => { setRecovery(!recovery); setCode(''); }}>
          {recovery ? 'Use your authenticator app instead' : 'Use a recovery code instead'}
        </button>
        <div className="form-actions">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="danger" busy={busy}>Turn off</Button>
        </div>
      </form>
    </Dialog>
  );
}
