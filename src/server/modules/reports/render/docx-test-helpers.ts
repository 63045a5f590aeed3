import { DOMParser } from '@xmldom/xmldom';
import PizZip from 'pizzip';
import { expect } from 'vitest';

/**
 * For the DOCX tests: a package unpacked with PizZip (not our own zip.ts, so the tests read it as
 * another implementation would) and every XML part checked to be well-formed, which is what makes
 * Word refuse a file.
 */
export function unpack(docx: Buffer): Map<string, string | Buffer> {
  const zip = new PizZip(docx);
  const parts = new Map<string, string | Buffer>();
  for (const [name, file] of Object.entries(zip.files as Record<string, { dir: boolean; asText(): string; asNodeBuffer(): Buffer }>)) {
    if (file.dir) continue;
    parts.set(name, /\.(xml|rels)$/.test(name) ? file.asText() : file.asNodeBuffer());
  }
  return parts;
}

export function xmlOf(parts: Map<string, string | Buffer>, name: string): string {
  const v = parts.get(name);
  expect(typeof v, `${name} is in the package`).toBe('string');
  return v as string;
}

export function expectWellFormed(parts: Map<string, string | Buffer>): void {
  for (const [name, v] of parts) {
    if (typeof v !== 'string') continue;
    const errors: string[] = [];
    new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(v, 'text/xml');
    expect(errors, `${name} is well-formed XML`).toEqual([]);
  }
}

/** Every numId and r:id the document uses is defined, and every bookmark name is unique. */
export function expectReferencesResolve(parts: Map<string, string | Buffer>): void {
  const doc = xmlOf(parts, 'word/document.xml');
  const numbering = (parts.get('word/numbering.xml') as string | undefined) ?? '';
  const rels = xmlOf(parts, 'word/_rels/document.xml.rels');
  const nums = new Set([...numbering.matchAll(/<w:num w:numId="(\d+)"/g)].map((m) => m[1]));
  const abstract = new Set([...numbering.matchAll(/<w:abstractNum w:abstractNumId="(\d+)"/g)].map((m) => m[1]));
  for (const m of numbering.matchAll(/<w:abstractNumId w:val="(\d+)"/g)) expect(abstract.has(m[1]), `abstractNum ${m[1]}`).toBe(true);
  for (const m of doc.matchAll(/<w:numId w:val="(\d+)"/g)) expect(nums.has(m[1]), `numId ${m[1]} is defined`).toBe(true);
  const ids = new Set([...rels.matchAll(/Id="([^"]+)"/g)].map((m) => m[1]));
  for (const m of doc.matchAll(/r:(?:id|embed)="([^"]+)"/g)) expect(ids.has(m[1]), `relationship ${m[1]} exists`).toBe(true);
  const names = [...doc.matchAll(/<w:bookmarkStart [^>]*w:name="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(names).size).toBe(names.length);
}

/** The text of a part's runs, paragraphs on lines of their own. */
export function textOf(xml: string): string {
  return xml
    .replace(/<w:p[ >/]/g, '\n$&')
    .replace(/<w:(?:br|tab)\/>/g, ' ')
    .replace(/<w:instrText[^>]*>[^<]*<\/w:instrText>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
