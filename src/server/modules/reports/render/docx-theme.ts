import { SEVERITY_COLORS } from './chart.js';
import type { Severity } from '../../../lib/severity.js';

/**
 * The built-in DOCX design's fonts and colours, shared by the document (docx.ts), its Markdown
 * (docx-markdown.ts) and the raw XML that tenant templates insert (docx-wml.ts), so a finding looks
 * the same in both.
 *
 * Fonts are named, not embedded: Word uses them where installed and substitutes otherwise. Noto Sans
 * covers Latin, Cyrillic and Greek; on a Windows machine without it Word substitutes a sans-serif
 * face (typically Arial or Calibri, which cover the same scripts). East Asian characters take the
 * eastAsia font: Microsoft YaHei ships with Windows and with Office for Mac and has Chinese and
 * Japanese kana (LibreOffice maps it to Noto Sans CJK or whatever CJK face fontconfig finds). Code
 * uses Consolas (Windows, Office for Mac); elsewhere the substitute may not be monospaced.
 */
export const FONT = 'Noto Sans';
export const EAST_ASIA_FONT = 'Microsoft YaHei';
export const MONO_FONT = 'Consolas';

export const FONTS = { ascii: FONT, hAnsi: FONT, cs: FONT, eastAsia: EAST_ASIA_FONT } as const;
export const MONO_FONTS = { ascii: MONO_FONT, hAnsi: MONO_FONT, cs: MONO_FONT, eastAsia: EAST_ASIA_FONT } as const;

/** Hex without '#', as WordprocessingML wants colours. */
export const hex = (color: string): string => color.replace(/^#/, '').toUpperCase();

export const COLORS = {
  text: '1F2937',
  muted: '6B7280',
  rule: 'D1D5DB',
  codeFill: 'F3F4F6',
  codeBorder: 'E5E7EB',
  quoteBar: '9CA3AF',
  stripe: 'F9FAFB',
  link: '1D4ED8',
} as const;

export const severityFill = (s: Severity): string => hex(SEVERITY_COLORS[s]);

/** Accent from branding, when it is a `#RRGGBB` colour; otherwise the design's own. */
export function accentOf(color: string | null | undefined): string {
  return color && /^#[0-9a-f]{6}$/i.test(color) ? hex(color) : '0F766E';
}

/** Sizes in half-points, as `w:sz` takes them. */
export const SIZES = { body: 20, small: 16, code: 17, h1: 32, h2: 26, h3: 22, h4: 21, title: 52 } as const;

/**
 * Characters XML 1.0 cannot carry (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF): a
 * finding pasted from a terminal may hold them, and one would make Word refuse the whole file.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export const xmlSafe = (s: string): string => s.replace(INVALID_XML, '');
