import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Asset } from '../../../api/types';
import { Button } from '../../../ui/button';
import { Dialog } from '../../../ui/dialog';
import { useDialogForm } from '../../../ui/dialog-form';
import { Field } from '../../../ui/field';
import { FormError } from '../../clients/parts/list-tools';

export const ASSET_TYPES = ['host', 'ip', 'domain', 'url', 'application', 'network', 'cloud', 'repository', 'other'] as const;
export const ASSET_TYPE_LABEL: Record<string, string> = {
  host: 'Host', ip: 'IP address', domain: 'Domain', url: 'URL', application: 'Application', network: 'Network', cloud: 'Cloud resource', repository: 'Repository', other: 'Other',
};
const PLACEHOLDER: Record<string, string> = {
  host: 'web01.example.com', ip: '203.0.113.10', domain: 'example.com', url: 'https://app.example.com/login', application: 'Customer portal',
  network: '10.0.0.0/24', cloud: 'arn:aws:s3:::backups', repository: 'github.com/example/api', other: '',
};

const FIELDS = ['name', 'type', 'description', 'tags'] as const;
type Values = Record<(typeof FIELDS)[number], string>;
const valuesOf = (a?: Asset): Values => ({ name: a?.name ?? '', type: a?.type ?? 'host', description: a?.description ?? '', tags: (a?.tags ?? []).join(', ') });

/** Add an asset to a project, or edit one: its type, its name or address, a description, tags. */
export function AssetDialog({ open, projectId, asset, onClose, onSaved }: {
  open: boolean;
  projectId: string;
  asset?: Asset;
  onClose: () => void;
  onSaved: (a: Asset) => void;
}) {
  const { values, set, errors, submit, close, mutation: save } = useDialogForm({
    initial: () => valuesOf(asset),
    collections: ['assets'],
    onSaved,
    onClose,
    save: async (v: Values) => {
      const fields = {
        name: v.name.trim(),
        type: v.type as Asset['type'],
        description: v.description.trim() || null,
        tags: v.tags.split(',').map((t) => t.trim()).filter(Boolean),
      };
      return asset
        ? (await unwrap(api.PUT('/assets/{id}', { params: { path: { id: asset.id } }, body: fields }))).data
        : (await unwrap(api.POST('/assets', { body: { project_id: projectId, ...fields } }))).data;
    },
  });
  return (
    <Dialog open={open} title={asset ? `Edit ${asset.name}` : 'Add asset'} onClose={close}>
      <form onSubmit={submit} noValidate>
        <FormError error={save.error} fields={[...FIELDS]} />
        <Field label="Type" error={errors.type}>
          <select value={values.type} onChange={set('type')}>
            {ASSET_TYPES.map((t) => <option key={t} value={t}>{ASSET_TYPE_LABEL[t]}</option>)}
          </select>
        </Field>
        <Field label="Name or address" error={errors.name} hint="The host name, address, URL or name the findings refer to.">
          <input value={values.name} onChange={set('name')} placeholder={PLACEHOLDER[values.type]} autoFocus className="mono-input" />
        </Field>
        <Field label="Description" error={errors.description}><textarea value={values.description} onChange={set('description')} rows={3} /></Field>
        <Field label="Tags" error={errors.tags} hint="Comma-separated, e.g. production, external"><input value={values.tags} onChange={set('tags')} /></Field>
        <div className="form-actions">
          <Button onClick={close}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>{asset ? 'Save changes' : 'Add asset'}</Button>
        </div>
      </form>
    </Dialog>
  );
}
