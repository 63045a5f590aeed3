import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import { queryClient } from '../../api/query';
import { SCOPE_GROUPS, ADMIN } from '../../app/scopes';
import { Button } from '../../ui/button';
import { Dialog, useConfirm } from '../../ui/dialog';
import { useDialogForm } from '../../ui/dialog-form';
import { Banner, EmptyState } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDate } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { SecretOnce } from '../../ui/secret';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import '../../styles/auth.css';

const LIMIT = 20;
const KEY = 'oauth-clients';

async function listClients(page: number) {
  return unwrap(api.GET('/oauth2/clients', { params: { query: { page, limit: LIMIT } } }));
}
type OauthClient = Awaited<ReturnType<typeof listClients>>['data'][number];

function CreateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [scopes, setScopes] = useState<string[]>(['findings:read']);
  const [created, setCreated] = useState<{ id: string; secret: string | null }>();
  const accounts = useQuery({ queryKey: ['service-accounts-all'], queryFn: () => unwrap(api.GET('/service-accounts', { params: { query: { limit: 100 } } })), enabled: open });
  const form = useDialogForm({
    initial: () => ({ name: '', type: 'confidential', redirects: '', saId: '' }),
    collections: [KEY],
    onSaved: (res: { id: string; client_secret: string | null }) => setCreated({ id: res.id, secret: res.client_secret }),
    onClose: () => {
      setScopes(['findings:read']);
      setCreated(undefined);
      onClose();
    },
    save: async (v) => {
      const body = {
        name: v.name.trim(), client_type: v.type as 'confidential' | 'public', scopes: scopes as never,
        redirect_uris: v.redirects.split(/\s+/).filter(Boolean),
        ...(v.type === 'confidential' && v.saId ? { service_account_id: v.saId } : {}),
      };
      return (await unwrap(api.POST('/oauth2/clients', { body }))).data;
    },
  });
  const { values, set, errors: fields, submit, close } = form;
  const toggle = (s: string) => setScopes((xs) => (xs.includes(s) ? xs.filter((x) => x !== s) : [...xs, s]));

  if (created) {
    return (
      <Dialog open={open} title="OAuth app registered" onClose={close} footer={<Button variant="primary" onClick={close}>Done</Button>}>
        <p>Client ID: <code aria-label="Client ID">{created.id}</code></p>
        {created.secret ? <SecretOnce secret={created.secret} label="Client secret" /> : <p>A public client has no secret: it must use PKCE.</p>}
      </Dialog>
    );
  }
  return (
    <Dialog open={open} title="Register an OAuth app" onClose={close} wide footer={<>
      <Button onClick={close}>Cancel</Button>
      <Button variant="primary" type="submit" form="oauth-app-form" busy={form.mutation.isPending}>Register app</Button>
    </>}>
      <form id="oauth-app-form" onSubmit={submit}>
        {form.mutation.error && <Banner kind="error">{describeError(form.mutation.error)}</Banner>}
        <Field label="Name" error={fields.name}><input value={values.name} onChange={set('name')} required maxLength={200} /></Field>
        <Field label="Type" hint="Confidential: a server that keeps a secret. Public: a browser, desktop or CLI app (PKCE, no secret).">
          <select value={values.type} onChange={set('type')}>
            <option value="confidential">Confidential</option>
            <option value="public">Public</option>
          </select>
        </Field>
        <Field label="Redirect URIs" error={fields.redirect_uris} hint="One per line, matched exactly (a loopback http URI matches on any port).">
          <textarea value={values.redirects} onChange={set('redirects')} rows={3} />
        </Field>
        {values.type === 'confidential' && (
          <Field label="Service account (client credentials)" error={fields.service_account_id} hint="Optional: the account the app acts as with client_credentials.">
            <select value={values.saId} onChange={set('saId')}>
              <option value="">None</option>
              {accounts.data?.data.map((a) => <option key={a.id} value={a.id}>{a.name} ({a.role})</option>)}
            </select>
          </Field>
        )}
        <div className="scope-grid" role="group" aria-label="Scopes it may ask for">
          {SCOPE_GROUPS.map((g) => (
            <div key={g.resource} className="scope-group" role="group" aria-label={g.resource}>
              <span className="scope-group-name" aria-hidden="true">{g.resource}</span>
              {g.scopes.map((s) => (
                <label key={s} className="check"><input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} aria-label={s} />{s.endsWith(':read') ? 'Read' : 'Write'}</label>
              ))}
            </div>
          ))}
        </div>
        <label className="check scope-admin"><input type="checkbox" checked={scopes.includes(ADMIN)} onChange={() => toggle(ADMIN)} aria-label="admin" /><span><strong>admin</strong> — full access</span></label>
        {fields.scopes && <div className="field-error" role="alert">{fields.scopes}</div>}
      </form>
    </Dialog>
  );
}

/** Settings → OAuth apps (admins): the workspace's OAuth clients, register (secret shown once) and delete. */
export function Component() {
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const confirm = useConfirm();
  const toast = useToast();
  const q = useQuery({ queryKey: [KEY, page], queryFn: () => listClients(page), placeholderData: keepPreviousData });

  const remove = async (c: OauthClient) => {
    const ok = await confirm({ title: `Delete “${c.name}”?`, danger: true, confirmLabel: 'Delete app', body: <p>Every grant and token it holds stops working at once.</p> });
    if (!ok) return;
    try {
      await unwrap(api.DELETE('/oauth2/clients/{id}', { params: { path: { id: c.id } } }));
      toast(`“${c.name}” deleted`);
    } catch (err) {
      toast(describeError(err), 'error');
    }
    await queryClient.invalidateQueries({ queryKey: [KEY] });
  };
  const columns: Column<OauthClient>[] = [
    { key: 'name', header: 'Name', className: 'col-name', render: (c) => <span className="cell-main">{c.name}{c.registered && <span className="badge"> self-registered</span>}</span> },
    { key: 'id', header: 'Client ID', render: (c) => <code className="nowrap">{c.id}</code> },
    { key: 'type', header: 'Type', render: (c) => <span>{c.client_type}</span> },
    { key: 'scopes', header: 'Scopes', render: (c) => <div className="scope-list">{c.scopes.map((s) => <span key={s} className="scope-chip">{s}</span>)}</div> },
    { key: 'created', header: 'Created', render: (c) => <span className="nowrap">{formatDate(c.created_at)}</span> },
    { key: 'actions', header: 'Actions', className: 'col-actions', render: (c) => <Button size="sm" onClick={() => void remove(c)} aria-label={`Delete ${c.name}`}>Delete</Button> },
  ];
  return (
    <>
      <PageHeader title="OAuth apps" description={<>Apps that users connect through OAuth 2.0 at <code>{window.location.origin}/api/v1/auth/oauth2</code>.</>} />
      <section className="card" aria-labelledby="oauth-apps-title">
        <div className="section-head">
          <div>
            <h2 id="oauth-apps-title">Registered apps</h2>
            <p>Apps registered here, or by themselves (AI assistants over MCP): through dynamic client registration, or with a client ID metadata document (its URL is the app's id). Deleting a self-registered app keeps it out.</p>
          </div>
          <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>Register app</Button>
        </div>
        <DataTable caption="OAuth apps" columns={columns} rows={q.data?.data} loading={q.isPlaceholderData} error={q.error} retry={() => void q.refetch()}
          empty={<EmptyState title="No OAuth apps yet">Register an app to let it ask your users for access.</EmptyState>} />
        {q.data?.meta && <Pagination page={page} pages={q.data.meta.pages} total={q.data.meta.total} limit={LIMIT} onPage={setPage} noun="apps" />}
      </section>
      <CreateDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
