import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api, csrfToken, onSignedOut } from '../api/client';
import { ApiError, unwrap } from '../api/errors';
import { useLiveUpdates } from '../api/live';
import { queryClient } from '../api/query';
import { ConfirmProvider } from '../ui/dialog';
import { ErrorState, Spinner } from '../ui/feedback';
import { Icon, type IconName } from '../ui/icons';
import { ToastProvider } from '../ui/toast';
import { SessionProvider, useMeQuery } from './session';
import { setTheme, storedTheme } from './theme';

const NAV: { to: string; label: string; icon: IconName; end?: boolean }[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard', end: true },
  { to: '/findings', label: 'Findings', icon: 'findings' },
  { to: '/projects', label: 'Projects', icon: 'projects' },
  { to: '/clients', label: 'Clients', icon: 'clients' },
  { to: '/reports', label: 'Reports', icon: 'reports' },
];

/** Where a visitor without a session goes: first-run setup while the tenant has no user, else sign-in. */
async function entryPage(): Promise<string> {
  try {
    const setup = await unwrap(api.GET('/setup'));
    if (setup.data.needs_setup) return '/setup';
  } catch {
    // No setup route or not reachable: sign-in is the way in.
  }
  return '/sign-in';
}

export function Shell() {
  const me = useMeQuery();
  const navigate = useNavigate();
  const location = useLocation();
  const signedOut = me.error instanceof ApiError && me.error.status === 401;
  const live = useLiveUpdates(!!me.data);

  useEffect(() => {
    onSignedOut(() => {
      queryClient.clear();
      const next = location.pathname + location.search;
      void entryPage().then((page) => navigate(page === '/sign-in' && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : page, { replace: true }));
    });
  }, [navigate, location]);
  useEffect(() => {
    if (!signedOut) return;
    const next = location.pathname + location.search;
    void entryPage().then((page) => navigate(page === '/sign-in' && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : page, { replace: true }));
  }, [signedOut, navigate, location]);

  if (me.isPending || signedOut) return <div className="splash"><Spinner /></div>;
  if (me.error) return <div className="splash"><ErrorState error={me.error} retry={() => void me.refetch()} /></div>;
  return (
    <SessionProvider me={me.data}>
      <ToastProvider>
        <ConfirmProvider>
          <a href="#main" className="skip-link">Skip to content</a>
          <div className="shell">
            <Sidebar live={live} />
            <main id="main" className="main" tabIndex={-1}>
              <Outlet />
            </main>
          </div>
        </ConfirmProvider>
      </ToastProvider>
    </SessionProvider>
  );
}

function Sidebar({ live }: { live: boolean }) {
  const me = useMeQuery().data!;
  const navigate = useNavigate();
  const [theme, setThemeState] = useState(storedTheme());
  const dark = document.documentElement.dataset.theme === 'dark';
  const signOut = async () => {
    await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'x-csrf-token': csrfToken() ?? '' } }).catch(() => {});
    queryClient.clear();
    navigate('/sign-in', { replace: true });
  };
  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">N</span>
        <span className="brand-name">NEURO</span>
        <span className="brand-tenant" title="Tenant">{me.tenant.slug}</span>
      </div>
      <nav className="nav" aria-label="Main">
        {NAV.map((n) => (
          <NavLink key={n.to} to={n.to} end={n.end} className="nav-link">
            <Icon name={n.icon} /> <span>{n.label}</span>
          </NavLink>
        ))}
        <NavLink to="/settings" className="nav-link"><Icon name="settings" /> <span>Settings</span></NavLink>
      </nav>
      <div className="sidebar-foot">
        <div className="live-state" title={live ? 'Live: changes by your team appear as they happen' : 'Reconnecting to live updates…'}>
          <span className={`live-dot ${live ? 'is-live' : ''}`} aria-hidden="true" />
          <span>{live ? 'Live' : 'Offline'}</span>
        </div>
        <button type="button" className="icon-button" aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}
          onClick={() => { const t = dark ? 'light' : 'dark'; setTheme(t); setThemeState(t); }} data-theme-state={theme}>
          <Icon name={dark ? 'sun' : 'moon'} />
        </button>
        <NavLink to="/settings/profile" className="user-chip" title="Your profile">
          <span className="avatar" aria-hidden="true">{me.name.slice(0, 1).toUpperCase()}</span>
          <span className="user-name">{me.name}</span>
        </NavLink>
        <button type="button" className="icon-button" aria-label="Sign out" onClick={() => void signOut()}>
          <Icon name="logout" />
        </button>
      </div>
    </aside>
  );
}
