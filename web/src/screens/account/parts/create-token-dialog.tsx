import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../../../api/errors';
import { queryClient } from '../../../api/query';
import { useMe } from '../../../app/session';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { Banner } from '../../../ui/feedback';
import { Field } from '../../../ui/field';
import { formatDate } from '../../../ui/format';
import { SecretOnce } from '../../../ui/secret';
import { sentence } from '../../auth/parts/next';
import { ADMIN, EXPIRATIONS, PRESETS, RESOURCES, allowedScopes, label, type Expiration } from '../../../app/scopes';
import { createToken, tokenKey, type CreatedToken, type Purpose } from './token-api';

const NOUN: Record<Purpose, string> = { api: 'API token', mcp: 'MCP token' };

/** Create token: name, expiration and scopes (a preset or by hand); then the secret, once. */
export function CreateTokenDialog({ purpose, open, onClose }: { purpose: Purpose; open: boolean; onClose: () => void }) {
  const me = useMe();
  const allowed = allowedScopes(me.role);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState<Expiration>('90d');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<CreatedToken>();

  const close = () => {
    setName(''); setExpires('90d'); setScopes(new Set()); setError(undefined); setFields({}); setCreated(undefined);
    onClose();
  };
  const toggle = (scope: string, on: boolean) => {
    const next = new Set(scopes);
    if (on) next.add(scope);
    else next.delete(scope);
    setScopes(next);
  };
  const preset = PRESETS.find((p) => p.scopes.length === scopes.size && p.scopes.every((s) => scopes.has(s)));
  const notAllowed = [...scopes].filter((s) => !allowed.has(s));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setFields({});
    if (scopes.size === 0) return setError('Choose at least one scope, or a preset.');
    setBusy(true);
    try {
      setCreated(await createToken(purpose, { name: name.trim(), scopes: [...scopes], expires_in: expires }));
      await queryClient.invalidateQueries({ queryKey: [tokenKey(purpose)] });
    } catch (err) {
      if (err instanceof ApiError && err.fields.name) setFields(err.fields);
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog open={open} title={`${NOUN[purpose]} created`} onClose={close} wide
        footer={<Button variant="primary" onClick={close}>Done</Button>}>
        <p><strong>{created.name}</strong> · {created.scopes.join(', ')} · {created.expires_at ? `expires ${formatDate(created.expires_at)}` : 'never expires'}</p>
        <SecretOnce secret={created.key} label="Token secret" />
        <p className="muted">Send it as <code>Authorization: Bearer …</code> (or <code>X-API-Key</code>) to <code>{window.location.origin}/api/v1</code>.
          Keep it in a secret store or an environment variable such as <code>NFORGED_API_TOKEN</code>, never in source control.</p>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} title={`Create ${NOUN[purpose]}`} onClose={close} wide>
      <form onSubmit={(e) => void submit(e)}>
        {error && <Banner kind="error">{error}</Banner>}
        <div className="grid grid-2">
          <Field label="Name" error={sentence(fields.name ?? fields.label, 'Name')} hint="What uses it, e.g. “GitLab CI scanner import”.">
            <input type="text" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
          </Field>
          <Field label="Expiration" hint="Tokens that expire limit the damage of a leak.">
            <select value={expires} onChange={(e) => setExpires(e.target.value as Expiration)}>
              {EXPIRATIONS.map((x) => <option key={x.value} value={x.value}>{x.label}</option>)}
            </select>
          </Field>
        </div>
        <fieldset>
          <legend>Scopes</legend>
          <div className="presets" role="group" aria-label="Presets">
            {PRESETS.map((p) => (
              <button key={p.id} type="button" className="preset" aria-pressed={preset?.id === p.id} onClick={() => setScopes(new Set(p.scopes))}>
                <span className="preset-name">{p.name}</span>
                <span className="preset-scopes">{p.scopes.join(', ')}</span>
              </button>
            ))}
          </div>
          <div className="scope-grid">
            {RESOURCES.map((r) => (
              <div key={r} className="scope-group" role="group" aria-label={label(r)}>
                <span className="scope-group-name" aria-hidden="true">{label(r)}</span>
                {(['read', 'write'] as const).map((access) => {
                  const scope = `${r}:${access}`;
                  const ok = allowed.has(scope);
                  return (
                    <label key={scope} className={`check ${ok ? '' : 'is-disabled'}`} title={ok ? scope : `Your role (${me.role}) does not allow ${scope}`}>
                      <input type="checkbox" checked={scopes.has(scope)} disabled={!ok && !scopes.has(scope)}
                        onChange={(e) => toggle(scope, e.target.checked)} aria-label={scope} />
                      {access === 'read' ? 'Read' : 'Write'}
                    </label>
                  );
                })}
              </div>
            ))}
          </div>
          <label className={`check scope-admin ${allowed.has(ADMIN) ? '' : 'is-disabled'}`}>
            <input type="checkbox" checked={scopes.has(ADMIN)} disabled={!allowed.has(ADMIN) && !scopes.has(ADMIN)}
              onChange={(e) => toggle(ADMIN, e.target.checked)} aria-label="admin" />
            <span><strong>admin</strong> — full access, implies every scope</span>
          </label>
          <p className="scope-note">
            {notAllowed.length
              ? <span className="field-error" role="alert">Your role ({me.role}) does not allow {notAllowed.join(', ')}: the server will refuse this token. Untick them.</span>
              : <>A token can do what its scopes allow and your role ({me.role}) permits; scopes your role does not allow are greyed out.</>}
          </p>
        </fieldset>
        <div className="form-actions">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>Create token</Button>
        </div>
      </form>
    </Dialog>
  );
}
