import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { ApiError, describeError, unwrap } from '../../api/errors';
import { Button } from '../../ui/button';
import { Banner, Spinner } from '../../ui/feedback';
import { AuthCard } from '../auth/parts/auth-card';
import { hasSession } from '../auth/parts/session-check';

type Interaction = Awaited<ReturnType<typeof load>>;

async function load(uid: string) {
  return (await unwrap(api.GET('/auth/oauth2/interaction/{uid}', { params: { path: { uid } } }))).data;
}

/**
 * /oauth/consent/:uid — an app asks, through the OAuth 2.0 authorization server, to act for the
 * signed-in user: its name, where it sends the answer, the workspace, and the requested scopes in
 * words. Someone not signed in signs in first and comes back here.
 */
export function Component() {
  const { uid = '' } = useParams();
  const navigate = useNavigate();
  const [request, setRequest] = useState<Interaction>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<'allow' | 'deny'>();

  useEffect(() => {
    let live = true;
    void (async () => {
      if (!(await hasSession())) {
        navigate(`/sign-in?next=${encodeURIComponent(`/oauth/consent/${uid}`)}`, { replace: true });
        return;
      }
      try {
        const data = await load(uid);
        if (live) setRequest(data);
      } catch (err) {
        if (!live) return;
        setError(err instanceof ApiError && err.status === 404
          ? 'This authorization request has expired or was already answered. Start again from the app.'
          : describeError(err));
      }
    })();
    return () => { live = false; };
  }, [uid, navigate]);

  const answer = async (allow: boolean) => {
    setBusy(allow ? 'allow' : 'deny');
    setError(undefined);
    try {
      const path = allow ? '/auth/oauth2/interaction/{uid}/confirm' : '/auth/oauth2/interaction/{uid}/deny';
      const done = await unwrap(api.POST(path, { params: { path: { uid } } }));
      window.location.assign(done.data.redirect_to);
    } catch (err) {
      setBusy(undefined);
      setError(describeError(err));
    }
  };

  if (!request) {
    return (
      <AuthCard title="Connect an app">
        {error ? <Banner kind="error">{error}</Banner> : <Spinner label="Loading the request…" />}
      </AuthCard>
    );
  }
  const refused = request.scopes.filter((s) => !s.allowed);
  let host = request.client.redirect_uri;
  try {
    host = new URL(request.client.redirect_uri).host || request.client.redirect_uri;
  } catch { /* an app's own scheme: shown as it is */ }
  return (
    <AuthCard title={`Allow ${request.client.name}?`} wide subtitle={<>
      <strong>{request.client.name}</strong> wants to act for you in the workspace <strong>{request.tenant.name}</strong> ({request.tenant.slug}).
    </>}>
      <section aria-labelledby="consent-scopes">
        <h2 id="consent-scopes" className="consent-heading">It asks to</h2>
        <ul className="consent-scopes">
          {request.scopes.map((s) => (
            <li key={s.scope}>
              <span>{s.description}</span> <code>{s.scope}</code>
              {!s.allowed && <span className="consent-refused"> — your role does not permit this</span>}
            </li>
          ))}
        </ul>
      </section>
      <p className="auth-subtitle">After you answer, you are sent back to <strong>{host}</strong>. You can disconnect the app at any time in Settings → Connected apps.</p>
      {refused.length > 0 && <Banner kind="warning">Your role does not permit everything this app asks for, so it cannot be allowed. Ask an admin, or ask the app for less.</Banner>}
      {error && <Banner kind="error">{error}</Banner>}
      <div className="consent-actions">
        <Button variant="primary" busy={busy === 'allow'} disabled={busy !== undefined || refused.length > 0} onClick={() => void answer(true)}>Allow</Button>
        <Button busy={busy === 'deny'} disabled={busy !== undefined} onClick={() => void answer(false)}>Deny</Button>
      </div>
    </AuthCard>
  );
}
