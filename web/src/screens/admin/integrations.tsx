import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Data } from '../../api/types';
import { Button } from '../../ui/button';
import { useConfirm, Dialog } from '../../ui/dialog';
import { Banner, EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDate, formatDateTime, timeAgo } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { SecretOnce } from '../../ui/secret';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { useUrlState } from '../../ui/url-state';
import { AdminOnly } from './parts/admin-only';
import { formErrors, PAGE_SIZE } from './parts/forms';
import { ScopeList, ScopePicker } from './parts/scope-picker';
import { EXPIRATIONS, ROLE_LABELS, ROLES } from '../../app/scopes';
import '../../styles/admin.css';

type Account = Data<'getServiceAccount'>;
type Token = Data<'getApiKey'>;
type CreatedToken = Data<'createServiceApiKey'>;

export function Component() {
  return <AdminOnly title="Integrations"><Integrations /></AdminOnly>;
}

function Integrations() {
  const [url, setUrl] = useUrlState({ page: '1', account: '' });
  const page = Number(url.page) || 1;
  const [editing, setEditing] = useState<Account | 'new' | undefined>();
  const accounts = useQuery({
    queryKey: ['service-accounts', page],
    queryFn: () => unwrap(api.GET('/service-accounts', { params: { query: { page, limit: PAGE_SIZE, sort: 'name', order: 'asc' } } })),
    placeholderData: (prev) => prev,
  });
  const selected = accounts.data?.data.find((a) => a.id === url.account);

  const columns: Column<Account>[] = [
    { key: 'name', header: 'Service account', render: (a) => (
      <div>
        <div className="strong">{a.name}</div>
        {a.description && <div className="muted small">{a.description}</div>}
      </div>
    ) },
    { key: 'role', header: 'Role', render: (a) => <span className="badge">{ROLE_LABELS[a.role]}</span> },
    { key: 'active', header: 'Status', render: (a) => <ActiveBadge active={a.active} /> },
    { key: 'tokens', header: 'Tokens', render: (a) => a.token_count, className: 'num' },
    { key: 'created', header: 'Created', render: (a) => formatDate(a.created_at) },
  ];

  return (
    <>
      <PageHeader title="Integrations"
        description="Service accounts are the non-human members of your team — scanners, CI pipelines, scripts. Each has a role, and service tokens that act with it."
        actions={<Button variant="primary" icon="plus" onClick={() => setEditing('new')}>New service account</Button>} />
      <section aria-labelledby="sa-heading" className="stack">
        <h2 id="sa-heading" className="section-title">Service accounts</h2>
        <DataTable caption="Service accounts" columns={columns} rows={accounts.data?.data} loading={accounts.isFetching}
          error={accounts.error} retry={() => void accounts.refetch()}
          onOpen={(a) => setUrl({ account: a.id === url.account ? '' : a.id, page: url.page })}
          empty={<EmptyState title="No service accounts yet">Create one for each integration, so that each can be given only the access it needs and be revoked on its own.</EmptyState>} />
        {accounts.data && (
          <Pagination page={page} pages={accounts.data.meta.pages} total={accounts.data.meta.total} limit={PAGE_SIZE}
            onPage={(p) => setUrl({ page: String(p) })} noun="service accounts" />
        )}
      </section>
      {selected && <AccountPanel key={selected.id} account={selected} onEdit={() => setEditing(selected)} onGone={() => setUrl({ account: '', page: url.page })} />}
      {url.account && accounts.data && !selected && (
        <Banner kind="info">That service account is not on this page (it may have been deleted).</Banner>
      )}
      {editing && <AccountDialog account={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)}
        onSaved={(a) => { setEditing(undefined); setUrl({ account: a.id, page: url.page }); }} />}
    </>
  );
}

function ActiveBadge({ active }: { active: boolean }) {
  return <span className={`badge ${active ? 'badge-ok' : 'badge-off'}`}>{active ? 'Active' : 'Deactivated'}</span>;
}

function AccountDialog({ account, onClose, onSaved }: { account?: Account; onClose: () => void; onSaved: (a: Account) => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [name, setName] = useState(account?.name ?? '');
  const [description, setDescription] = useState(account?.description ?? '');
  const [role, setRole] = useState<string>(account?.role ?? 'tester');
  const save = useMutation({
    mutationFn: async () => {
      const body = { name, description: description.trim() || null, role: role as Account['role'] };
      return account
        ? (await unwrap(api.PUT('/service-accounts/{id}', { params: { path: { id: account.id } }, body }))).data
        : (await unwrap(api.POST('/service-accounts', { body }))).data;
    },
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: ['service-accounts'] });
      toast(account ? 'Service account saved' : `Service account ${a.name} created`);
      onSaved(a);
    },
  });
  const errs = save.error ? formErrors(save.error) : { fields: {} as Record<string, string> };
  const submit = (e: FormEvent) => { e.preventDefault(); save.mutate(); };
  return (
    <Dialog open title={account ? `Edit ${account.name}` : 'New service account'} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" type="submit" form="sa-form" busy={save.isPending}>{account ? 'Save' : 'Create service account'}</Button>
      </>}>
      <form id="sa-form" onSubmit={submit}>
        {errs.message && <Banner kind="error">{errs.message}</Banner>}
        <Field label="Name" error={errs.fields.name}><input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoFocus /></Field>
        <Field label="Description" hint="What uses it: the scanner, the pipeline, the script." error={errs.fields.description}>
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} rows={3} />
        </Field>
        <Field label="Role" hint="Its tokens never do more than this role allows; a change applies to them at once." error={errs.fields.role}>
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
          </select>
        </Field>
      </form>
    </Dialog>
  );
}

function AccountPanel({ account, onEdit, onGone }: { account: Account; onEdit: () => void; onGone: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const [tokenPage, setTokenPage] = useState(1);
  const tokens = useQuery({
    queryKey: ['api-keys', 'service', account.id, tokenPage],
    queryFn: () => unwrap(api.GET('/api-keys', { params: { query: { service_account_id: account.id, status: 'active,expired', page: tokenPage, limit: PAGE_SIZE } } })),
    placeholderData: (prev) => prev,
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['api-keys'] });
    void qc.invalidateQueries({ queryKey: ['service-accounts'] });
  };
  const setActive = useMutation({
    mutationFn: (active: boolean) => unwrap(api.PUT('/service-accounts/{id}', { params: { path: { id: account.id } }, body: { active } })),
    onSuccess: (_r, active) => { refresh(); toast(active ? `${account.name} reactivated` : `${account.name} deactivated`); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/service-accounts/{id}', { params: { path: { id: account.id } } })),
    onSuccess: () => { refresh(); toast(`${account.name} deleted`); onGone(); },
    onError: (e) => toast(describeError(e), 'error'),
  });
  const revoke = useMutation({
    mutationFn: (t: Token) => unwrap(api.DELETE('/api-keys/{key_id}', { params: { path: { key_id: t.id } } })),
    onSuccess: (_r, t) => { refresh(); toast(`Token ${t.name} revoked`); },
    onError: (e) => toast(describeError(e), 'error'),
  });

  const askDeactivate = async () => {
    if (account.active) {
      const ok = await confirm({
        title: `Deactivate ${account.name}?`, danger: true, confirmLabel: 'Deactivate',
        body: <p>Its tokens stop working at once. You can reactivate it later.</p>,
      });
      if (!ok) return;
    }
    setActive.mutate(!account.active);
  };
  const askDelete = async () => {
    const ok = await confirm({
      title: `Delete ${account.name}?`, danger: true, confirmLabel: 'Delete service account',
      body: <p>The service account is removed and its {account.token_count === 1 ? 'token is' : `${account.token_count} tokens are`} revoked at once. This cannot be undone.</p>,
    });
    if (ok) remove.mutate();
  };
  const askRevoke = async (t: Token) => {
    const ok = await confirm({
      title: `Revoke ${t.name}?`, danger: true, confirmLabel: 'Revoke token',
      body: <p>Whatever uses <span className="mono">{t.masked}</span> is refused from now on. This cannot be undone.</p>,
    });
    if (ok) revoke.mutate(t);
  };

  const columns: Column<Token>[] = [
    { key: 'name', header: 'Token', render: (t) => <div><div className="strong">{t.name}</div><div className="mono muted small">{t.masked}</div></div> },
    { key: 'scopes', header: 'Scopes', render: (t) => <ScopeList scopes={t.scopes} /> },
    { key: 'used', header: 'Last used', render: (t) => <span title={formatDateTime(t.last_used_at)}>{timeAgo(t.last_used_at)}</span> },
    { key: 'expires', header: 'Expires', render: (t) => t.status === 'expired' ? <span className="badge badge-off">Expired</span> : t.expires_at ? formatDate(t.expires_at) : 'Never' },
    { key: 'actions', header: 'Actions', className: 'col-actions', render: (t) => (
      <Button size="sm" variant="ghost" onClick={() => void askRevoke(t)} aria-label={`Revoke ${t.name}`}>Revoke</Button>
    ) },
  ];

  return (
    <Card className="account-panel" title={<>{account.name} <ActiveBadge active={account.active} /></>}
      actions={
        <div className="row">
          <Button size="sm" onClick={onEdit}>Edit</Button>
          <Button size="sm" onClick={() => void askDeactivate()} busy={setActive.isPending}>{account.active ? 'Deactivate' : 'Reactivate'}</Button>
          <Button size="sm" variant="danger" onClick={() => void askDelete()} busy={remove.isPending}>Delete</Button>
        </div>
      }>
      <p className="muted">
        Role <strong>{ROLE_LABELS[account.role]}</strong>{account.description ? ` · ${account.description}` : ''} · created {formatDate(account.created_at)}
      </p>
      <div className="subhead">
        <h3>Service tokens</h3>
        <Button variant="primary" size="sm" icon="plus" onClick={() => setCreating(true)} disabled={!account.active}
          title={account.active ? undefined : 'Reactivate the service account first'}>Create Service Token</Button>
      </div>
      {tokens.error ? <ErrorState error={tokens.error} retry={() => void tokens.refetch()} /> : !tokens.data ? <Spinner /> : (
        <>
          <DataTable caption={`Tokens of ${account.name}`} columns={columns} rows={tokens.data.data} loading={tokens.isFetching}
            empty={<EmptyState title="No tokens yet">Create a service token for the integration to use as its Bearer token or X-API-Key.</EmptyState>} />
          <Pagination page={tokenPage} pages={tokens.data.meta.pages} total={tokens.data.meta.total} limit={PAGE_SIZE} onPage={setTokenPage} noun="tokens" />
        </>
      )}
      {creating && <TokenDialog account={account} onClose={() => setCreating(false)} onCreated={refresh} />}
    </Card>
  );
}

function TokenDialog({ account, onClose, onCreated }: { account: Account; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('90d');
  const [scopes, setScopes] = useState<string[]>(['projects:read', 'findings:read', 'assets:read']);
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const create = useMutation({
    mutationFn: async () => (await unwrap(api.POST('/api-keys', {
      body: { service_account_id: account.id, name, expires_in: expires as 'never', scopes },
    }))).data,
    onSuccess: (t) => { setCreated(t); onCreated(); },
  });
  const errs = create.error ? formErrors(create.error) : { fields: {} as Record<string, string> };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (scopes.length) create.mutate();
  };
  if (created) {
    return (
      <Dialog open title="Service token created" onClose={onClose} footer={<Button variant="primary" onClick={onClose}>Done</Button>}>
        <p>Give this token to the integration as <span className="mono">Authorization: Bearer …</span> or <span className="mono">X-API-Key</span>.</p>
        <SecretOnce secret={created.key} label="Service token" />
        <p className="muted small">{created.name} · <ScopeList scopes={created.scopes} /> · {created.expires_at ? `expires ${formatDate(created.expires_at)}` : 'never expires'}</p>
      </Dialog>
    );
  }
  return (
    <Dialog open wide title={`New token for ${account.name}`} onClose={onClose}
      footer={<>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" type="submit" form="token-form" busy={create.isPending} disabled={!scopes.length}>Create token</Button>
      </>}>
      <form id="token-form" onSubmit={submit}>
        {errs.message && <Banner kind="error">{errs.message}</Banner>}
        <div className="grid grid-2">
          <Field label="Token name" error={errs.fields.name ?? errs.fields.label} hint="Where it is used, e.g. “GitLab CI”.">
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />
          </Field>
          <Field label="Expiration" error={errs.fields.expires_in}>
            <select value={expires} onChange={(e) => setExpires(e.target.value)}>
              {EXPIRATIONS.map((x) => <option key={x.value} value={x.value}>{x.label}</option>)}
            </select>
          </Field>
        </div>
        <ScopePicker value={scopes} onChange={setScopes} error={errs.fields.scopes ?? (scopes.length ? undefined : 'Choose at least one scope')} />
        <p className="muted small">The token acts with these scopes, limited by the service account's role ({ROLE_LABELS[account.role]}).</p>
      </form>
    </Dialog>
  );
}
