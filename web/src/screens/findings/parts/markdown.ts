import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';

// Raw HTML in the source is shown as text (html: false); DOMPurify then removes anything a
// Markdown construct could still smuggle in (event handlers, javascript: URLs).
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

/** Markdown as sanitised HTML for the preview. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(md.render(source), { USE_PROFILES: { html: true } });
}
