import type { Wml } from './docx-wml.js';

/**
 * Adding the XML our WML writer produced (docx-wml.ts) to a DOCX package: its hyperlinks'
 * relationships to the main document's, its lists to the numbering part (created when the package
 * has none), and, for the built-in design, its blocks in place of placeholder paragraphs.
 */
export type Parts = Map<string, Buffer | string>;

const DOC_RELS = 'word/_rels/document.xml.rels';
const NUMBERING = 'word/numbering.xml';
const W_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const NUMBERING_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering';
const NUMBERING_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml';

export const text = (parts: Parts, name: string): string | undefined => {
  const v = parts.get(name);
  return v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');
};

/** One above the largest numId and abstractNumId the package has, at least 1000. */
export function numberingBase(parts: Parts): number {
  const xml = text(parts, NUMBERING) ?? '';
  let max = 999;
  for (const m of xml.matchAll(/w:(?:numId|abstractNumId)="(\d+)"/g)) max = Math.max(max, Number(m[1]));
  return max + 1;
}

export function addWmlParts(parts: Parts, wml: Wml): void {
  const { relationships, abstractNums, nums } = wml.packageParts();
  let rels = text(parts, DOC_RELS) ?? '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>';
  if (abstractNums) {
    let numbering = text(parts, NUMBERING);
    if (numbering === undefined) {
      numbering = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="${W_NS}"></w:numbering>`;
      rels = insertBefore(rels, '</Relationships>', `<Relationship Id="rIdNeuroNumbering" Type="${NUMBERING_REL}" Target="numbering.xml"/>`);
      const types = text(parts, '[Content_Types].xml');
      if (types && !types.includes('/word/numbering.xml')) parts.set('[Content_Types].xml', insertBefore(types, '</Types>', `<Override PartName="/word/numbering.xml" ContentType="${NUMBERING_TYPE}"/>`));
    }
    if (/<w:numbering\b[^>]*\/>/.test(numbering)) numbering = numbering.replace(/<w:numbering\b([^>]*)\/>/, '<w:numbering$1></w:numbering>');
    // Every w:abstractNum comes before the first w:num (schema order); the nums go last.
    const firstNum = numbering.search(/<w:num[\s>]/);
    numbering = firstNum >= 0 ? numbering.slice(0, firstNum) + abstractNums + numbering.slice(firstNum) : insertBefore(numbering, '</w:numbering>', abstractNums);
    numbering = insertBefore(numbering, '</w:numbering>', nums);
    parts.set(NUMBERING, numbering);
  }
  if (relationships) rels = insertBefore(rels, '</Relationships>', relationships);
  parts.set(DOC_RELS, rels);
}

function insertBefore(xml: string, close: string, add: string): string {
  const at = xml.lastIndexOf(close);
  if (at < 0) throw new Error(`Package part lacks ${close}`);
  return xml.slice(0, at) + add + xml.slice(at);
}

/**
 * Puts `chunks[n]` where docx wrote the placeholder paragraph holding `${token}${n}.`: the whole
 * `<w:p>…</w:p>` is replaced. The token is random per render, so no text of a report can forge one.
 */
export function spliceBlocks(documentXml: string, token: string, chunks: string[]): string {
  const out: string[] = [];
  let pos = 0;
  const re = new RegExp(`${token}(\\d+)\\.`, 'g');
  for (const m of documentXml.matchAll(re)) {
    const start = documentXml.lastIndexOf('<w:p>', m.index);
    const end = documentXml.indexOf('</w:p>', m.index) + '</w:p>'.length;
    if (start < pos || end < m.index) throw new Error('Placeholder paragraph not found as written');
    out.push(documentXml.slice(pos, start), chunks[Number(m[1])] ?? '');
    pos = end;
  }
  out.push(documentXml.slice(pos));
  return out.join('');
}

/**
 * Bookmarks with unique names and ids: the first of each name is kept, later ones (and their ends)
 * are dropped, and ids are renumbered, since copies share their ids too.
 */
export function dedupeBookmarks(xml: string): string {
  const names = new Set<string>();
  const open = new Map<string, (number | null)[]>(); // old id → new ids of its open starts (null: dropped)
  let next = 0;
  return xml.replace(/<w:bookmark(Start|End)\b([^>]*?)\/>/g, (tag, kind: string, attrs: string) => {
    const id = /w:id="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (kind === 'Start') {
      const name = /w:name="([^"]*)"/.exec(attrs)?.[1] ?? '';
      const keep = !names.has(name);
      names.add(name);
      const fresh = keep ? next++ : null;
      open.set(id, [...(open.get(id) ?? []), fresh]);
      return fresh === null ? '' : tag.replace(/w:id="[^"]*"/, `w:id="${fresh}"`);
    }
    const fresh = open.get(id)?.shift();
    if (fresh === undefined || fresh === null) return '';
    return tag.replace(/w:id="[^"]*"/, `w:id="${fresh}"`);
  });
}
