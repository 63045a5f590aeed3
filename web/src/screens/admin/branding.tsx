import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { ApiError, unwrap } from '../../api/errors';
import type { Data } from '../../api/types';
import { Button } from '../../ui/button';
import { Banner, ErrorState, Spinner } from '../../ui/feedback';
import { Field } from '../../ui/field';
import { formatBytes, formatDateTime } from '../../ui/format';
import { Card, PageHeader } from '../../ui/page';
import { useToast } from '../../ui/toast';
import { AdminOnly } from './parts/admin-only';
import { formErrors } from './parts/forms';
import '../../styles/admin.css';

type Settings = Data<'getReportSettings'>;
type LogoType = 'image/png' | 'image/svg+xml';
/** The logo as it will be saved: unchanged, a new file, or removed. */
type LogoChange = { kind: 'keep' } | { kind: 'new'; contentType: LogoType; data: string; preview: string; name: string; size: number } | { kind: 'remove' };

const HEX = /^#[0-9a-fA-F]{6}$/;

export function Component() {
  return <AdminOnly title="Report branding"><Branding /></AdminOnly>;
}

function Branding() {
  const settings = useQuery({
    queryKey: ['settings', 'report'],
    queryFn: async () => (await unwrap(api.GET('/settings/report'))).data,
  });
  return (
    <>
      <PageHeader title="Report branding" description="How the built-in report design presents your company: cover, accent colour, classification and footer." />
      {settings.error ? <ErrorState error={settings.error} retry={() => void settings.refetch()} />
        : !settings.data ? <Spinner />
          : <BrandingForm key={settings.data.updated_at ?? 'new'} settings={settings.data} />}
    </>
  );
}

function BrandingForm({ settings }: { settings: Settings }) {
  const qc = useQueryClient();
  const toast = useToast();
  const fileInput = useRef<HTMLInputElement>(null);
  const [company, setCompany] = useState(settings.company_name ?? '');
  const [accent, setAccent] = useState(settings.accent_color);
  const [accentText, setAccentText] = useState(settings.accent_color);
  const [classification, setClassification] = useState(settings.default_classification ?? '');
  const [footer, setFooter] = useState(settings.footer_text ?? '');
  const [tagged, setTagged] = useState(settings.tagged_pdf);
  const [logo, setLogo] = useState<LogoChange>({ kind: 'keep' });
  const [fileError, setFileError] = useState<string | undefined>();

  useEffect(() => setAccentText(accent), [accent]);

  const save = useMutation({
    mutationFn: async () => {
      const body: Record<string, unknown> = {
        company_name: company.trim() || null,
        accent_color: accent,
        default_classification: classification.trim() || null,
        footer_text: footer.trim() || null,
        tagged_pdf: tagged,
      };
      if (logo.kind === 'new') body.logo = { content_type: logo.contentType, data: logo.data };
      if (logo.kind === 'remove') body.logo = null;
      return (await unwrap(api.PUT('/settings/report', { body: body as never }))).data;
    },
    onSuccess: (data) => {
      qc.setQueryData(['settings', 'report'], data);
      toast('Branding saved: new reports use it');
    },
  });
  const errs = save.error ? formErrors(save.error) : { fields: {} as Record<string, string> };
  // The API names the logo's problem in `details` ("is not a PNG image"), the size limit in its message.
  const apiLogo = save.error instanceof ApiError && Object.keys(save.error.fields).find((f) => f.startsWith('logo'));
  const logoError = fileError
    ?? (save.error instanceof ApiError && save.error.code === 'PAYLOAD_TOO_LARGE' ? `${save.error.message}. Choose a smaller file.` : undefined)
    ?? (apiLogo ? `The logo ${(save.error as ApiError).fields[apiLogo]}.` : undefined);

  const pick = (file: File | undefined) => {
    setFileError(undefined);
    if (!file) return;
    const contentType: LogoType | undefined = file.type === 'image/png' ? 'image/png' : file.type === 'image/svg+xml' ? 'image/svg+xml' : undefined;
    if (!contentType) {
      setFileError('Choose a PNG or SVG image.');
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const dataUrl = String(reader.result);
      setLogo({ kind: 'new', contentType, data: dataUrl.slice(dataUrl.indexOf(',') + 1), preview: dataUrl, name: file.name, size: file.size });
    };
    reader.onerror = () => setFileError('The file could not be read. Try another one.');
    reader.readAsDataURL(file);
  };
  const onHex = (v: string) => {
    setAccentText(v);
    const h = v.startsWith('#') ? v : `#${v}`;
    if (HEX.test(h)) setAccent(h.toLowerCase());
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  const logoSrc = logo.kind === 'new' ? logo.preview
    : logo.kind === 'remove' || !settings.logo ? undefined
      : `${settings.logo.url}?v=${encodeURIComponent(settings.updated_at ?? '')}`;
  const hexInvalid = !HEX.test(accentText.startsWith('#') ? accentText : `#${accentText}`);

  return (
    <div className="branding">
      <form onSubmit={submit} className="card branding-form" aria-label="Report branding">
        {errs.message && !logoError && <Banner kind="error">{errs.message}</Banner>}
        {logoError && save.error && <Banner kind="error">Nothing was saved: {logoError}</Banner>}
        <Field label="Company name" error={errs.fields.company_name} hint="On the cover and in the page headers.">
          <input value={company} onChange={(e) => setCompany(e.target.value)} maxLength={200} placeholder="Acme Security" />
        </Field>

        <div className="field">
          <span className="field-label" id="logo-label">Logo</span>
          <div className="logo-row">
            <div className="logo-box" aria-hidden={!logoSrc}>
              {logoSrc ? <img src={logoSrc} alt="Logo preview" /> : <span className="muted small">No logo</span>}
            </div>
            <div className="stack logo-actions">
              <div className="row">
                <input ref={fileInput} type="file" accept="image/png,image/svg+xml" hidden id="logo-file" onChange={(e) => { pick(e.target.files?.[0]); e.target.value = ''; }} />
                <Button size="sm" id="logo-choose" aria-describedby="logo-hint" onClick={() => fileInput.current?.click()}>{logoSrc ? 'Replace logo…' : 'Upload logo…'}</Button>
                {logoSrc && <Button size="sm" variant="ghost" onClick={() => { setFileError(undefined); setLogo({ kind: 'remove' }); }}>Remove logo</Button>}
                {logo.kind !== 'keep' && settings.logo && <Button size="sm" variant="ghost" onClick={() => setLogo({ kind: 'keep' })}>Undo</Button>}
              </div>
              <div id="logo-hint" className="field-hint">
                {logo.kind === 'new' ? `${logo.name}, ${formatBytes(logo.size)} — saved with the form.`
                  : logo.kind === 'remove' ? 'The logo is removed when you save.'
                    : settings.logo ? `${settings.logo.content_type === 'image/png' ? 'PNG' : 'SVG'}, ${formatBytes(settings.logo.size)}.`
                      : 'PNG or SVG, at most a few hundred KB; SVGs must be self-contained, without scripts.'}
              </div>
              {logoError && <div className="field-error" role="alert">{logoError}</div>}
            </div>
          </div>
        </div>

        <div className="grid grid-2">
          <div className={`field ${errs.fields.accent_color || hexInvalid ? 'field-invalid' : ''}`}>
            <label htmlFor="accent-hex">Accent colour</label>
            <div className="row color-row">
              <input type="color" value={accent} onChange={(e) => setAccent(e.target.value)} aria-label="Accent colour picker" />
              <input id="accent-hex" value={accentText} onChange={(e) => onHex(e.target.value)} maxLength={7} className="mono hex-input"
                aria-invalid={hexInvalid || undefined} aria-describedby="accent-msg" spellCheck={false} />
            </div>
            <div id="accent-msg" className={hexInvalid || errs.fields.accent_color ? 'field-error' : 'field-hint'}>
              {errs.fields.accent_color ?? (hexInvalid ? 'Six hexadecimal digits, like #4338ca.' : 'Headings, rules and the cover band.')}
            </div>
          </div>
          <Field label="Default classification" error={errs.fields.default_classification} hint="Printed on every page unless a report says otherwise.">
            <input value={classification} onChange={(e) => setClassification(e.target.value)} maxLength={100} placeholder="Confidential" />
          </Field>
        </div>
        <Field label="Footer text" error={errs.fields.footer_text}>
          <input value={footer} onChange={(e) => setFooter(e.target.value)} maxLength={500} placeholder="Acme Security GmbH · Registered in …" />
        </Field>
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={tagged} onChange={(e) => setTagged(e.target.checked)} aria-describedby="tagged-hint" />
            <span>Tagged PDF (for screen readers)</span>
          </label>
          <div id="tagged-hint" className="field-hint tagged-hint">Adds the structure assistive technology reads; files are about four times larger.</div>
        </div>
        <div className="form-actions">
          {settings.updated_at && <span className="muted small spacer">Last saved {formatDateTime(settings.updated_at)}</span>}
          <Button type="submit" variant="primary" busy={save.isPending} disabled={hexInvalid}>Save branding</Button>
        </div>
      </form>

      <Card title="Cover preview" className="branding-preview">
        <div className="cover" style={{ ['--cover-accent' as string]: accent }} aria-label="Preview of the report cover" role="img">
          <div className="cover-band" />
          <div className="cover-body">
            <div className="cover-top">
              {logoSrc ? <img src={logoSrc} alt="" className="cover-logo" /> : <span className="cover-company-mark">{(company.trim() || 'Your company').slice(0, 1)}</span>}
              <span className="cover-company">{company.trim() || 'Your company'}</span>
            </div>
            <div className="cover-title">Penetration Test Report</div>
            <div className="cover-sub">Example Client · Web application assessment</div>
            <div className="cover-rule" />
            {classification.trim() && <div className="cover-class">{classification.trim()}</div>}
          </div>
          <div className="cover-foot">{footer.trim() || ' '}</div>
        </div>
        <p className="muted small">A sketch of the built-in design's cover; the PDF is laid out by the report renderer.</p>
      </Card>
    </div>
  );
}
