import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { isAdmin, useMe } from '../../../app/session';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page';

/**
 * The admin screens' gate: the settings nav hides them from everyone else, but a bookmarked or
 * shared address still leads here, and then the page says why it shows nothing.
 */

export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  if (isAdmin(me)) return <>{children}</>;
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
