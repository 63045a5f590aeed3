import { NavLink, Outlet } from 'react-router';
import { isAdmin, useMe } from './session';

export function SettingsLayout() {
  const me = useMe();
  const admin = isAdmin(me);
  const links = [
    { to: 'profile', label: 'Profile' },
    { to: 'api-access', label: 'API Access' },
    { to: 'connected-apps', label: 'Connected apps' },
    ...(admin
      ? [
          { to: 'integrations', label: 'Integrations' },
          { to: 'oauth-apps', label: 'OAuth apps' },
          { to: 'webhooks', label: 'Webhooks' },
          { to: 'users', label: 'Users' },
          { to: 'single-sign-on', label: 'Single sign-on' },
          { to: 'audit-log', label: 'Audit log' },
          { to: 'branding', label: 'Report branding' },
        ]
      : []),
  ];
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <div className="settings-nav-title">Settings</div>
        {links.map((l) => <NavLink key={l.to} to={l.to} className="settings-link">{l.label}</NavLink>)}
      </nav>
      <div className="settings-body"><Outlet /></div>
    </div>
  );
}
