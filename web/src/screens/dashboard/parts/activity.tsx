import { Link } from 'react-router';
import { formatDateTime, timeAgo } from '../../../ui/format';

/** One change, as GET /activity and GET /{objects}/{id}/history list it. */
export interface ChangeEntry {
  id: string;
  type: string;
  object_type: string;
  object_id: string;
  object_name?: string | null;
  actor: { type: string; id: string | null; name: string | null };
  changes: Record<string, { old?: unknown; new?: unknown }> | null;
  created_at: string;
}

const PATHS: Record<string, string> = { finding: '/findings', project: '/projects', client: '/clients', asset: '/assets' };

const VERBS: Record<string, string> = {
  created: 'created', updated: 'updated', deleted: 'deleted', restored: 'restored', status_changed: 'changed the status of',
};

function who(e: ChangeEntry): string {
  if (e.actor.name) return e.actor.name;
  if (e.actor.type === 'system') return 'NEURO';
  return e.actor.type === 'service_account' ? 'A service account' : 'Someone';
}

/** "updated finding", "generated report", and where the object is shown (none once deleted). */
function what(e: ChangeEntry): { verb: string; noun: string; to?: string } {
  const [kind = e.object_type, verb = ''] = e.type.split('.');
  if (kind === 'report') {
    // Report events are part of their project's history (object_type project).
    const v = verb === 'generated' ? 'generated' : verb === 'failed' ? 'could not generate' : verb;
    return { verb: v, noun: 'report', to: `/projects/${e.object_id}/reports` };
  }
  const path = PATHS[e.object_type];
  return { verb: VERBS[verb] ?? verb.replace(/_/g, ' '), noun: kind, to: path && verb !== 'deleted' ? `${path}/${e.object_id}` : undefined };
}

function short(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  const text = Array.isArray(v) ? v.join(', ') || '—' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

/** Each changed field: short values as old → new, long texts just named. */
function Changes({ changes }: { changes: NonNullable<ChangeEntry['changes']> }) {
  const entries = Object.entries(changes);
  return (
    <ul className="ws-changes">
      {entries.map(([field, c]) => {
        const long = [c.old, c.new].some((v) => typeof v === 'string' && v.length > 48);
        return (
          <li key={field}>
            <span className="ws-field">{field.replace(/_/g, ' ')}</span>{' '}
            {long ? <span className="muted">changed</span> : <><span className="ws-old">{short(c.old)}</span> <span aria-label="to">→</span> <span className="ws-new">{short(c.new)}</span></>}
          </li>
        );
      })}
    </ul>
  );
}

/** A feed of changes: who did what to which object, when, and which fields moved. */
export function ChangeList({ entries, showObject = true }: { entries: ChangeEntry[]; showObject?: boolean }) {
  return (
    <ol className="ws-feed">
      {entries.map((e) => {
        const { verb, noun, to } = what(e);
        const name = e.object_name ?? noun;
        return (
          <li key={e.id} className="ws-feed-item">
            <span className="avatar" aria-hidden="true">{who(e).slice(0, 1).toUpperCase()}</span>
            <div className="ws-feed-body">
              <div>
                <strong>{who(e)}</strong> {verb}{' '}
                {noun === 'report' && !e.object_name ? <Link to={to!}>a report</Link>
                  : showObject || noun === 'report'
                  ? <>{noun} {to ? <Link to={to}>{name}</Link> : <span className="ws-gone">{name}</span>}</>
                  : <>this {noun}</>}
              </div>
              {e.changes && Object.keys(e.changes).length > 0 && <Changes changes={e.changes} />}
              <time className="ws-time" dateTime={e.created_at} title={formatDateTime(e.created_at)}>{timeAgo(e.created_at)}</time>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
