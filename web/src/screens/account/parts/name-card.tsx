import { useState, type FormEvent } from 'react';
import { api } from '../../../api/client';
import { ApiError, describeError, unwrap } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import { useMe } from '../../../app/session';
import { Button } from '../../../ui/button';
import { Banner } from '../../../ui/feedback';
import { Field } from '../../../ui/field';
import { Card } from '../../../ui/page';
import { useToast } from '../../../ui/toast';
import { sentence } from '../../auth/parts/next';

export function NameCard() {
  const me = useMe();
  const toast = useToast();
  const [name, setName] = useState(me.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fieldError, setFieldError] = useState<string>();

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setFieldError(undefined);
    try {
      await unwrap(api.PATCH('/user', { body: { name: name.trim() } }));
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      toast('Name saved');
    } catch (err) {
      if (err instanceof ApiError && err.fields.name) setFieldError(err.fields.name);
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Your details">
      {error && <Banner kind="error">{error}</Banner>}
      <form className="account-form" onSubmit={(e) => void save(e)}>
        <Field label="Name" error={sentence(fieldError, 'Name')} hint="Shown to your team and in reports’ change history.">
          <input type="text" autoComplete="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Email" hint="Your admin can change the email of your account.">
          <input type="email" value={me.email ?? ''} readOnly />
        </Field>
        <p className="account-meta">Role: <strong>{me.role}</strong> · workspace <strong>{me.tenant.slug}</strong></p>
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={name.trim() === me.name || name.trim() === ''}>Save name</Button>
        </div>
      </form>
    </Card>
  );
}
