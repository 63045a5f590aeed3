import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Project } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { useDialogForm } from '../../../ui/dialog-form';
import { Field } from '../../../ui/field';
import { FormError } from '../../clients/parts/list-tools';
import { PROJECT_STATUSES, PROJECT_STATUS_LABEL } from './project-bits';

const FIELDS = ['name', 'client_id', 'status', 'start_date', 'end_date', 'description', 'scope', 'tags'] as const;
type Values = Record<(typeof FIELDS)[number], string>;

const valuesOf = (p?: Project, clientId?: string): Values => ({
  name: p?.name ?? '', client_id: p?.client_id ?? clientId ?? '', status: p?.status ?? 'planned',
  start_date: p?.start_date ?? '', end_date: p?.end_date ?? '', description: p?.description ?? '', scope: p?.scope ?? '',
  tags: (p?.tags ?? []).join(', '),
});

/** The clients to choose from (the first 100 by name; a tenant with more types to narrow it). */
function useClientOptions(search: string) {
  return useQuery({
    queryKey: ['clients', 'options', search],
    queryFn: () => unwrap(api.GET('/clients', { params: { query: { sort: 'name', order: 'asc', limit: 100, search: search || undefined } } })),
  });
}

/** New project, or editing one: name, client, status, dates, description, scope, tags. */
export function ProjectDialog({ open, project, clientId, onClose, onSaved }: {
  open: boolean;
  project?: Project;
  /** The client a new project starts with (from the client's page). */
  clientId?: string;
  onClose: () => void;
  onSaved: (p: Project) => void;
}) {
  const clients = useClientOptions('');
  const { values, set, errors, submit, close, mutation: save } = useDialogForm({
    initial: () => valuesOf(project, clientId),
    collections: ['projects', 'clients'],
    onSaved,
    onClose,
    save: async (v: Values) => {
      const body = {
        name: v.name.trim(),
        client_id: v.client_id || null,
        status: v.status as Project['status'],
        start_date: v.start_date || null,
        end_date: v.end_date || null,
        description: v.description.trim() || null,
        scope: v.scope.trim() || null,
        tags: v.tags.split(',').map((t) => t.trim()).filter(Boolean),
      };
      return project
        ? (await unwrap(api.PUT('/projects/{id}', { params: { path: { id: project.id } }, body }))).data
        : (await unwrap(api.POST('/projects', { body }))).data;
    },
  });
  const options = clients.data?.data ?? [];
  return (
    <Dialog open={open} wide title={project ? `Edit ${project.name}` : 'New project'} onClose={close}>
      <form onSubmit={submit} noValidate>
        <FormError error={save.error} fields={[...FIELDS]} />
        <Field label="Name" error={errors.name}><input value={values.name} onChange={set('name')} autoFocus /></Field>
        <div className="ws-form-row">
          <Field label="Client" error={errors.client_id} hint={clients.error ? 'Clients could not be loaded.' : undefined}>
            <select value={values.client_id} onChange={set('client_id')}>
              <option value="">No client</option>
              {options.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
              {values.client_id && !options.some((c) => c.id === values.client_id) && <option value={values.client_id}>Current client</option>}
            </select>
          </Field>
          <Field label="Status" error={errors.status}>
            <select value={values.status} onChange={set('status')}>
              {PROJECT_STATUSES.map((s) => <option key={s} value={s}>{PROJECT_STATUS_LABEL[s]}</option>)}
            </select>
          </Field>
        </div>
        <div className="ws-form-row">
          <Field label="Start date" error={errors.start_date}><input type="date" value={values.start_date} onChange={set('start_date')} /></Field>
          <Field label="End date" error={errors.end_date}><input type="date" value={values.end_date} onChange={set('end_date')} /></Field>
        </div>
        <Field label="Description" error={errors.description} hint="What the engagement is about: goals, contacts, rules of engagement.">
          <textarea value={values.description} onChange={set('description')} rows={3} />
        </Field>
        <Field label="Scope" error={errors.scope} hint="What is in scope and what is not: hosts, ranges, applications.">
          <textarea value={values.scope} onChange={set('scope')} rows={3} />
        </Field>
        <Field label="Tags" error={errors.tags} hint="Comma-separated, e.g. external, web"><input value={values.tags} onChange={set('tags')} /></Field>
        <div className="form-actions">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>{project ? 'Save changes' : 'Create project'}</Button>
        </div>
      </form>
    </Dialog>
  );
}
