import { useState, type FormEvent } from 'react';
import { api } from '../../../api/client';
import { ApiError, describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import { Button } from '../../../ui/button';
import { Banner } from '../../../ui/feedback';
import { Field } from '../../../ui/field';
import { Card } from '../../../ui/page';
import { useToast } from '../../../ui/toast';
import { sentence } from '../../auth/parts/next';
import { NewPassword } from '../../auth/parts/password-fields';

export function PasswordCard() {
  const toast = useToast();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== confirm) return;
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await unwrap(api.PUT('/user/password', { body: { current_password: current, new_password: next } }));
      setCurrent(''); setNext(''); setConfirm('');
      await queryClient.invalidateQueries({ queryKey: ['sessions'] });
      toast('Password changed. Your other sessions were signed out.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(describeError(err));
      else if (err instanceof ApiError && err.details.length) setFields(err.fields);
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Password">
      {error && <Banner kind="error">{error}</Banner>}
      <form className="account-form" onSubmit={(e) => void save(e)}>
        <Field label="Current password" error={sentence(fields.current_password, 'Current password')}>
          <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <NewPassword label="New password" value={next} onChange={setNext} confirm={confirm} onConfirm={setConfirm} error={fields.new_password} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={!current || !next || next !== confirm}>Change password</Button>
        </div>
      </form>
    </Card>
  );
}
