import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Client } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { useDialogForm } from '../../../ui/dialog-form';
import { Field } from '../../../ui/field';
import { FormError } from './list-tools';

const FIELDS = ['name', 'contact_name', 'contact_email', 'website', 'notes'] as const;
type Values = Record<(typeof FIELDS)[number], string>;

const valuesOf = (c?: Client): Values => ({
  name: c?.name ?? '', contact_name: c?.contact_name ?? '', contact_email: c?.contact_email ?? '', website: c?.website ?? '', notes: c?.notes ?? '',
});

/**
 * New client, or editing one, in a dialog. What the API refuses comes back in `details` and shows
 * under its field; empty optional fields are sent as null (cleared).
 */
export function ClientDialog({ open, client, onClose, onSaved }: { open: boolean; client?: Client; onClose: () => void; onSaved: (c: Client) => void }) {
  const { values, set, errors, submit, close, mutation: save } = useDialogForm({
    initial: () => valuesOf(client),
    collections: ['clients'],
    onSaved,
    onClose,
    save: async (v: Values) => {
      const body = {
        name: v.name.trim(),
        contact_name: v.contact_name.trim() || null,
        contact_email: v.contact_email.trim() || null,
        website: v.website.trim() || null,
        notes: v.notes.trim() || null,
      };
      return client
        ? (await unwrap(api.PUT('/clients/{id}', { params: { path: { id: client.id } }, body }))).data
        : (await unwrap(api.POST('/clients', { body }))).data;
    },
  });
  return (
    <Dialog open={open} title={client ? `Edit ${client.name}` : 'New client'} onClose={close}>
      <form onSubmit={submit} noValidate>
        <FormError error={save.error} fields={[...FIELDS]} />
        <Field label="Name" error={errors.name}><input value={values.name} onChange={set('name')} autoFocus autoComplete="organization" /></Field>
        <div className="ws-form-row">
          <Field label="Contact name" error={errors.contact_name}><input value={values.contact_name} onChange={set('contact_name')} autoComplete="name" /></Field>
          <Field label="Contact email" error={errors.contact_email}><input type="email" value={values.contact_email} onChange={set('contact_email')} autoComplete="email" /></Field>
        </div>
        <Field label="Website" error={errors.website} hint="https://…"><input type="url" value={values.website} onChange={set('website')} /></Field>
        <Field label="Notes" error={errors.notes}><textarea value={values.notes} onChange={set('notes')} rows={3} /></Field>
        <div className="form-actions">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>{client ? 'Save changes' : 'Create client'}</Button>
        </div>
      </form>
    </Dialog>
  );
}
