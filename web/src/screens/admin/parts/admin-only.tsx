import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useMe } from '../../../app/session';
import type { User } from '../../../api/types';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page';

/**
 * The admin screens' gate: the settings nav hides them from everyone else, but a bookmarked or
 * shared address still leads here, and then the page says why it shows nothing.
 */
/**
 * Admin rights need both: the admin role, and a credential with the admin scope. (A session
 * carries every scope, limited by the role — so the scopes alone say nothing about the role.)
 */
export const hasAdminRights = (me: User) => me.role === 'admin' && me.credential.scopes.includes('admin');

export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  if (hasAdminRights(me)) return <>{children}</>;
  return (
    <>
      <PageHeader title={title} />
      <div className="admin-needed card" role="status">
        <Icon name="key" size={22} />
        <div>
          <h2>You need the admin role</h2>
          <p className="muted">
            {title} is managed by the admins of your team. You are signed in as {me.name} with the {me.role} role;
            ask an admin if you need access.
          </p>
          <Link to="/settings/profile" className="btn btn-secondary btn-sm">Back to your profile</Link>
        </div>
      </div>
    </>
  );
}
