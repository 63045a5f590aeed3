import type { ReportModel } from './render/model.js';

/** Letters and digits of a name, accents dropped, words joined by dashes: `Müller & Söhne` → `muller-sohne`. */
export function slug(text: string | null | undefined): string {
  return (text ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** `example-corp_q1-web-pentest_v1.1_2024-03-04.pdf`: client, project, version and date. */
export function reportFilename(model: ReportModel, ext: string): string {
  const parts = [slug(model.client?.name), slug(model.project.name) || 'report', `v${model.report.version.replace(/[^0-9A-Za-z.-]/g, '')}`, model.report.generated_at.slice(0, 10)];
  return `${parts.filter((p) => p !== '').join('_')}.${ext}`;
}

/** Content-Disposition for a download: an ASCII filename for old clients, the same in filename* (RFC 6266). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
