import { DOMParser } from '@xmldom/xmldom';
import Docxtemplater from 'docxtemplater';
import PizZip from 'pizzip';
import type { Renderer } from './index.js';
import { TemplateError } from './model.js';
import { addWmlParts, dedupeBookmarks, numberingBase, text, type Parts } from './docx-package.js';
import { templateData, TrustedXml } from './docx-template-data.js';
import { Wml } from './docx-wml.js';
import { readZip, writeZip, ZipError } from './zip.js';

/**
 * A tenant's DOCX template, filled with docxtemplater: `{report.title}`, loops
 * `{#findings}…{/findings}`, inverted sections `{^findings}…{/findings}`, and raw tags
 * `{@description_xml}` for finding text as Word formatting.
 *
 * The template is untrusted. Tags go through our parser, not angular-expressions (four remote code
 * execution advisories): a tag is a name or a dotted path of names, looked up as own properties of
 * data without prototypes, never called, never evaluated. The package is unpacked with limits before
 * anything parses it, and parts with DTDs (external entities, entity expansion) are refused:
 * DOCX files never have them. Every failure is a TemplateError naming the tag and where it is.
 */

export const TEMPLATE_LIMITS = { maxTotal: 50 * 1024 * 1024, maxEntries: 2000 };

const MAIN_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that are never data, refused so that a template using them learns so at once. */
const RESERVED = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

interface TagPart {
  module?: string;
}

/** The allow-list parser: `.` (the current loop item) or `name(.name)*`. Throws for anything else. */
export function parseTag(tag: string, meta?: { tag?: TagPart }) {
  const raw = meta?.tag?.module === 'rawxml';
  const expr = tag.trim();
  if (expr === '.' || expr === 'this') {
    if (raw) throw new Error('a raw tag ({@…}) takes only the _xml fields, such as {@description_xml}');
    return { get: (scope: unknown) => (scope instanceof TrustedXml ? undefined : scope) };
  }
  const path = expr.split('.');
  for (const name of path) {
    if (!IDENT.test(name)) throw new Error(`"${tag}" is not a field name: a tag is a name or a dotted path of names, such as {report.title}, with no spaces, operators or calls`);
    if (RESERVED.has(name)) throw new Error(`"${name}" is not a field of the report data`);
  }
  if (raw && !path[path.length - 1]!.endsWith('_xml')) throw new Error('a raw tag ({@…}) takes only the _xml fields, such as {@description_xml}');
  return {
    get(scope: unknown) {
      let v: unknown = scope;
      for (const name of path) {
        if (v === null || typeof v !== 'object' || v instanceof TrustedXml || !Object.prototype.hasOwnProperty.call(v, name)) return undefined;
        v = (v as Record<string, unknown>)[name];
      }
      if (v instanceof TrustedXml) return raw ? v.xml : undefined;
      return typeof v === 'function' ? undefined : v;
    },
  };
}

export const renderDocxTemplate: Renderer = async (job, progress) => {
  if (!job.template || job.template.kind !== 'docx') throw new TemplateError('No DOCX template was given');
  const parts = openPackage(job.template.content);
  progress(10);

  const wml = new Wml({ styles: false, links: 'field', numBase: numberingBase(parts) });
  const data = templateData(job.model, wml);
  progress(30);

  const zip = new PizZip();
  for (const [name, content] of parts) zip.file(name, content);
  let doc: Docxtemplater;
  try {
    doc = new Docxtemplater(zip, {
      parser: parseTag,
      paragraphLoop: true,
      linebreaks: true,
      stripInvalidXMLChars: true,
      errorLogging: false,
      nullGetter: () => '',
    });
    progress(50);
    doc.render(data);
  } catch (e) {
    throw templateError(e, parts);
  }
  progress(80);

  const out: Parts = new Map();
  const files = doc.getZip().files as Record<string, { dir: boolean; asNodeBuffer(): Buffer }>;
  for (const [name, file] of Object.entries(files)) if (!file.dir) out.set(name, file.asNodeBuffer());
  // A loop repeats the bookmarks in it (Word puts one on every heading a TOC lists): one of each name.
  out.set('word/document.xml', dedupeBookmarks(text(out, 'word/document.xml')!));
  addWmlParts(out, wml);
  const buf = writeZip([...out]);
  progress(100);
  return buf;
};

/** The package's parts, unpacked within limits, checked to be a DOCX without DTDs. */
export function openPackage(content: Buffer): Parts {
  let files: Map<string, Buffer>;
  try {
    files = readZip(content, TEMPLATE_LIMITS);
  } catch (e) {
    if (e instanceof ZipError) throw new TemplateError(`The template is not a usable DOCX file: ${e.message}`);
    throw e;
  }
  const types = files.get('[Content_Types].xml')?.toString('utf8');
  if (!types || !files.has('word/document.xml')) throw new TemplateError('The template is not a DOCX file: it has no Word document in it');
  if (!types.includes(MAIN_TYPE)) throw new TemplateError('The template is not a plain Word document (.docx): save it as "Word Document", not as a macro-enabled document or a Word template');
  for (const [name, data] of files) {
    if (!/\.(xml|rels)$/i.test(name)) continue;
    const xml = data.toString('utf8');
    if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new TemplateError(`The template's part ${name} declares a DTD or entities, which DOCX files never do`);
    // docxtemplater does not check the XML around its tags; Word refuses a document that is not well-formed.
    let problem: string | undefined;
    try {
      new DOMParser({ onError: (level, msg) => void (level !== 'warning' && (problem ??= msg)) }).parseFromString(xml, 'text/xml');
    } catch (e) {
      problem ??= e instanceof Error ? e.message : String(e);
    }
    if (problem) throw new TemplateError(`The template's part ${name} is not well-formed XML: ${problem.split('\n')[0]}`);
  }
  return files;
}

interface XtProperties {
  id?: string;
  xtag?: string;
  explanation?: string;
  offset?: number;
  file?: string;
  rootError?: { message?: string };
}

/**
 * docxtemplater's error (often a multi error, `properties.errors[]`) as one TemplateError: each
 * problem with its tag, and where it is. DOCX has no lines: "line" is the paragraph, counted from 1
 * in the part (table cells' paragraphs included), which is what a template author can find in Word;
 * the part is named when it is not the main document (a header, say).
 */
export function templateError(e: unknown, parts: Parts): TemplateError {
  const props = (e as { properties?: XtProperties & { errors?: { properties?: XtProperties; message?: string }[] } }).properties;
  if (!props) return new TemplateError(`The template could not be rendered: ${e instanceof Error ? e.message : String(e)}`);
  const list = props.errors?.length ? props.errors.map((x) => ({ ...x.properties, message: x.message })) : [{ ...props, message: (e as Error).message }];
  const located = list
    .map((p) => ({ ...p, line: p.file && p.offset !== undefined ? paragraphOf(text(parts, p.file), p.offset) : undefined }))
    .sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  const single = located.length === 1;
  const shown = located.slice(0, 5).map((p) => {
    const where = [p.file && p.file !== 'word/document.xml' ? `in ${p.file}` : '', !single && p.line ? `line ${p.line}` : ''].filter(Boolean).join(', ');
    const why = p.id === 'scopeparser_compilation_failed' && p.rootError?.message ? p.rootError.message : (p.explanation ?? p.message ?? 'invalid');
    return `${p.xtag !== undefined ? `{${p.xtag}}: ` : ''}${why}${where ? ` (${where})` : ''}`;
  });
  const more = located.length > 5 ? `; and ${located.length - 5} more` : '';
  const head = single ? 'The template has an error' : `The template has ${located.length} errors`;
  return new TemplateError(`${head}: ${shown.join('; ')}${more}`, located[0]?.line);
}

/**
 * The paragraph (1-based) holding text offset `offset` of a part. docxtemplater's offsets count
 * the characters of the part's text, that is of its `<w:t>` contents as written (entities
 * unexpanded), from the start of the part.
 */
export function paragraphOf(xml: string | undefined, offset: number): number | undefined {
  if (!xml) return undefined;
  let seen = 0;
  let paragraph = 0;
  const re = /<w:p[ >/]|<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g;
  for (const m of xml.matchAll(re)) {
    if (m[1] === undefined) {
      paragraph++;
      continue;
    }
    seen += m[1].length;
    if (seen > offset) return paragraph || undefined;
  }
  return paragraph || undefined;
}
