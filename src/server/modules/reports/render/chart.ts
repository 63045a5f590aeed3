import { SEVERITIES, type Severity } from '../../../lib/severity.js';

/** The colours every format uses for severities (with white text: all pass 4.5:1 except Info/Low at large sizes). */
export const SEVERITY_COLORS: Record<Severity, string> = {
  Critical: '#7f1d1d',
  High: '#c2410c',
  Medium: '#b45309',
  Low: '#1d4ed8',
  Info: '#475569',
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The executive summary's chart: one horizontal bar per severity, with its count. Plain SVG 1.1
 * (no scripts, no external references, fonts by family name), so Typst, Word and browsers all
 * draw it the same.
 */
export function severityChartSvg(counts: Record<Severity, number>, opts: { width?: number; font?: string } = {}): string {
  const width = opts.width ?? 480;
  const font = escape(opts.font ?? 'Noto Sans, DejaVu Sans, Arial, sans-serif');
  const rowH = 28;
  const labelW = 80;
  const countW = 40;
  const barMax = width - labelW - countW - 16;
  const max = Math.max(1, ...SEVERITIES.map((s) => counts[s] ?? 0));
  const height = SEVERITIES.length * rowH + 8;
  const rows = SEVERITIES.map((s, i) => {
    const n = counts[s] ?? 0;
    const y = 4 + i * rowH;
    const w = n === 0 ? 0 : Math.max(3, Math.round((n / max) * barMax));
    return [
      `<text x="${labelW - 8}" y="${y + 18}" text-anchor="end" font-family="${font}" font-size="13" fill="#1f2937">${s}</text>`,
      `<rect x="${labelW}" y="${y + 4}" width="${barMax}" height="${rowH - 10}" rx="3" fill="#eef2f7"/>`,
      w > 0 ? `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 10}" rx="3" fill="${SEVERITY_COLORS[s]}"/>` : '',
      `<text x="${labelW + barMax + 8}" y="${y + 18}" font-family="${font}" font-size="13" font-weight="bold" fill="#1f2937">${n}</text>`,
    ].join('');
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Findings by severity">${rows}</svg>`;
}
