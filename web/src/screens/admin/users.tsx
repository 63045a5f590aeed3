import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError, unwrap } from '../../api/errors';
import type { Data, User as Me } from '../../api/types';
import { useMe } from '../../app/session';
import { Button } from '../../ui/button';
import { Dialog, useConfirm } from '../../ui/dialog';
import { Banner, EmptyState } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatDate, formatDateTime } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { SecretOnce } from '../../ui/secret';
import { DataTable, Pagination, type Column } from '../../ui/table';
import { useToast } from '../../ui/toast';
import { toQuery, useUrlState } from '../../ui/url-state';
import { AdminOnly } from './parts/admin-only';
import { formErrors, PAGE_SIZE } from './parts/forms';
import { ROLE_LABELS, ROLES } from '../../app/scopes';
import '../../styles/admin.css';

type User = Data<'getUser'>;
type Link = { url: string; expires_at: string; kind: 'invitation' | 'password_reset'; who: string };

export function Component() {
  return <AdminOnly title="Users"><Users /></AdminOnly>;
}

function Users() {
  const me = useMe();
  const qc = useQueryClient();
  const toast = useToast();
  const confirm = useConfirm();
  const [url, setUrl] = useUrlState({ search: '', role: '', active: '', page: '1' });
  const [searchText, setSearchText] = useState(url.search);
  const [inviting, setInviting] = useState(false);
  const [link, setLink] = useState<Link | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const query = { ...toQuery(url), limit: PAGE_SIZE, sort: 'name', order: 'asc' as const };
  const users = useQuery({
    queryKey: ['users', query],
    queryFn: () => unwrap(api.GET('/users', { params: { query: query as never } })),
    placeholderData: (prev) => prev,
  });
  const done = (msg: string) => {
    setActionError(undefined);
    void qc.invalidateQueries({ queryKey: ['users'] });
    toast(msg);
  };
  const failed = (e: unknown) => setActionError(describeError(e));
  const update = useMutation({
    mutationFn: ({ user, patch }: { user: User; patch: { role?: User['role']; active?: boolean } }) =>
      unwrap(api.PUT('/users/{id}', { params: { path: { id: user.id } }, body: patch })),
    onSuccess: (r, { patch }) => done(patch.role ? `${r.data.name} is now ${ROLE_LABELS[r.data.role]}` : patch.active ? `${r.data.name} reactivated` : `${r.data.name} deactivated`),
    onError: failed,
  });
  const reset = useMutation({
    mutationFn: (user: User) => unwrap(api.POST('/users/{id}/password-reset', { params: { path: { id: user.id } } })),
    onSuccess: (r, user) => { setActionError(undefined); setLink({ ...r.data, kind: 'password_reset', who: user.name }); },
    onError: failed,
  });

  const changeRole = async (user: User, role: User['role']) => {
    if (role === user.role) return;
    const ok = await confirm({
      title: `Make ${user.name} ${ROLE_LABELS[role]}?`, confirmLabel: 'Change role', danger: user.role === 'admin',
      body: <p>{user.name} now has the {ROLE_LABELS[user.role]} role; what they may do changes at once, on every session and token.</p>,
    });
    if (ok) update.mutate({ user, patch: { role } });
  };
  const toggleActive = async (user: User) => {
    const ok = await confirm(user.active
      ? { title: `Deactivate ${user.name}?`, danger: true, confirmLabel: 'Deactivate', body: <p>{user.email} is signed out everywhere and every token they made stops working at once. Their work stays, attributed to them. You can reactivate them later.</p> }
      : { title: `Reactivate ${user.name}?`, confirmLabel: 'Reactivate', body: <p>{user.email} can sign in again with their password. Tokens revoked on deactivation stay revoked.</p> });
    if (ok) update.mutate({ user, patch: { active: !user.active } });
  };
  const askReset = async (user: User) => {
    const ok = await confirm({
      title: `Password reset link for ${user.name}?`, confirmLabel: 'Create link',
      body: <p>A one-time link, valid for an hour, where {user.email} sets a new password. Any earlier link stops working; setting the password signs them out everywhere.</p>,
    });
    if (ok) reset.mutate(user);
  };

  const columns: Column<User>[] = [
    { key: 'name', header: 'User', render: (u) => (
      <div>
        <div className="strong">{u.name}{u.id === me.id && <span className="muted"> (you)</span>}</div>
        <div className="muted small">{u.email}</div>
      </div>
    ) },
    { key: 'role', header: 'Role', render: (u) => (
      <select className="select-sm" aria-label={`Role of ${u.name}`} value={u.role} disabled={update.isPending}
        onChange={(e) => void changeRole(u, e.target.value as User['role'])}>
        {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
      </select>
    ) },
    { key: '2fa', header: '2FA', render: (u) => (u.totp_enabled ? <span className="badge badge-ok">On</span> : <span className="muted">Off</span>) },
    { key: 'status', header: 'Status', render: (u) => <span className={`badge ${u.active ? 'badge-ok' : 'badge-off'}`}>{u.active ? 'Active' : 'Deactivated'}</span> },
    { key: 'created', header: 'Joined', render: (u) => formatDate(u.created_at) },
    { key: 'actions', header: 'Actions', className: 'col-actions', render: (u) => (
      <div className="row row-end">
        <Button size="sm" variant="ghost" onClick={() => void askReset(u)} aria-label={`Password reset link for ${u.name}`} disabled={!u.active}>Reset link</Button>
        <Button size="sm" variant="ghost" onClick={() => void toggleActive(u)} aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.name}`}
          disabled={u.id === me.id} title={u.id === me.id ? 'You cannot deactivate yourself' : undefined}>
          {u.active ? 'Deactivate' : 'Reactivate'}
        </Button>
      </div>
    ) },
  ];
  const filtered = !!(url.search || url.role || url.active);

  return (
    <>
      <PageHeader title="Users" description="The people of your team, their roles, and their way in."
        actions={<Button variant="primary" icon="plus" onClick={() => setInviting(true)}>Invite user</Button>} />
      <form className="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); setUrl({ search: searchText.trim() }); }}>
        <Field label="Search">
          <input type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} placeholder="Name or email"
            onBlur={() => searchText.trim() !== url.search && setUrl({ search: searchText.trim() })} />
        </Field>
        <Field label="Role">
          <select value={url.role} onChange={(e) => setUrl({ role: e.target.value })}>
            <option value="">All roles</option>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
          </select>
        </Field>
        <Field label="Status">
          <select value={url.active} onChange={(e) => setUrl({ active: e.target.value })}>
            <option value="">Everyone</option>
            <option value="true">Active</option>
            <option value="false">Deactivated</option>
          </select>
        </Field>
        <Button type="submit">Search</Button>
        {filtered && <Button variant="ghost" onClick={() => { setSearchText(''); setUrl({ search: '', role: '', active: '' }); }}>Clear filters</Button>}
      </form>
      {actionError && (
        <div className="banner banner-error" role="alert">
          <div className="spacer">{actionError}</div>
          <button type="button" className="link-button" onClick={() => setActionError(undefined)}>Dismiss</button>
        </div>
      )}
      <DataTable caption="Users" columns={columns} rows={users.data?.data} loading={users.isFetching} error={users.error} retry={() => void users.refetch()}
        empty={filtered
          ? <EmptyState title="No user matches">Try another search, or clear the filters.</EmptyState>
          : <EmptyState title="Nobody here yet">Invite your team: each person gets a link to set their password.</EmptyState>} />
      {users.data && <Pagination page={Number(url.page) || 1} pages={users.data.meta.pages} total={users.data.meta.total} limit={PAGE_SIZE} onPage={(p) => setUrl({ page: String(p) })} noun="users" />}
      {inviting && <InviteDialog onClose={() => setInviting(false)} onInvited={(l) => { setInviting(false); setLink(l); void qc.invalidateQueries({ queryKey: ['users'] }); }} />}
      {link && <LinkDialog link={link} onClose={() => setLink(undefined)} />}
    </>
  );
}

function InviteDialog({ onClose, onInvited }: { onClose: () => void; onInvited: (l: Link) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('tester');
  const invite = useMutation({
    mutationFn: async () => (await unwrap(api.POST('/users', { body: { email: email.trim(), name: name.trim(), role: role as Me['role'] } }))).data,
    onSuccess: (u) => { if (u.invitation) onInvited({ ...u.invitation, kind: 'invitation', who: u.name }); },
  });
  const errs = invite.error ? formErrors(invite.error) : { fields: {} as Record<string, string> };
  const submit = (e: FormEvent) => { e.preventDefault(); invite.mutate(); };
  return (
    <Dialog open title="Invite user" onClose={onClose}
      footer={<>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="primary" type="submit" form="invite-form" busy={invite.isPending}>Create invitation</Button>
      </>}>
      <form id="invite-form" onSubmit={submit}>
        {errs.message && <Banner kind="error">{errs.message}</Banner>}
        <Field label="Email" error={errs.fields.email}><input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required maxLength={320} autoFocus autoComplete="off" /></Field>
        <Field label="Name" error={errs.fields.name}><input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoComplete="off" /></Field>
        <Field label="Role" error={errs.fields.role} hint="Admins manage users and settings; managers run projects; testers write findings; viewers read.">
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
          </select>
        </Field>
      </form>
    </Dialog>
  );
}

function LinkDialog({ link, onClose }: { link: Link; onClose: () => void }) {
  const invitation = link.kind === 'invitation';
  return (
    <Dialog open title={invitation ? `Invitation for ${link.who}` : `Password reset link for ${link.who}`} onClose={onClose}
      footer={<Button variant="primary" onClick={onClose}>Done</Button>}>
      <p>Send this link to {link.who} yourself (chat, email). {invitation ? 'They open it and set their password.' : 'They open it and choose a new password.'} It works once.</p>
      <SecretOnce secret={link.url} label={invitation ? 'Invitation link' : 'Password reset link'} />
      <p className="muted small">Valid until {formatDateTime(link.expires_at)}.</p>
    </Dialog>
  );
}
