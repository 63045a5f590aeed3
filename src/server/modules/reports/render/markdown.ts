import MarkdownIt, { type Token } from 'markdown-it';

/**
 * Finding text is Markdown (CommonMark + GFM tables and strikethrough). Every output format renders
 * it from this one node tree, never by handing the text to a markup language: a title like
 * `#read("/etc/passwd")` or a `$` in a description is only ever text. Raw HTML is not parsed (it
 * stays text), and links other than http(s)/mailto are dropped to their text.
 */
export type Inline =
  | { type: 'text'; value: string }
  | { type: 'code'; value: string }
  | { type: 'strong' | 'em' | 'del'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'break' };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; level: number; children: Inline[] }
  | { type: 'code'; lang: string | null; value: string }
  | { type: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { type: 'blockquote'; children: Block[] }
  | { type: 'table'; align: Align[]; header: Inline[][]; rows: Inline[][][] }
  | { type: 'rule' };

const md = new MarkdownIt('commonmark', { html: false, linkify: false }).enable(['table', 'strikethrough']);
md.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim());

/** A token attribute as text (markdown-it types them string | number). */
const attr = (t: Token, name: string): string | null => {
  const v = t.attrGet(name);
  return v === null ? null : String(v);
};

function inlines(tokens: Token[]): Inline[] {
  const root: Inline[] = [];
  const stack: Inline[][] = [root];
  // Adjacent text joins the text before it (the parser splits text at every delimiter it tried).
  const push = (n: Inline) => {
    const top = stack[stack.length - 1]!;
    const last = top[top.length - 1];
    if (n.type === 'text' && last?.type === 'text') last.value += n.value;
    else top.push(n);
  };
  const open = (n: Inline & { children: Inline[] }) => {
    push(n);
    stack.push(n.children);
  };
  for (const t of tokens) {
    switch (t.type) {
      case 'text':
        if (t.content !== '') push({ type: 'text', value: t.content });
        break;
      case 'code_inline':
        push({ type: 'code', value: t.content });
        break;
      case 'softbreak':
        push({ type: 'text', value: ' ' });
        break;
      case 'hardbreak':
        push({ type: 'break' });
        break;
      case 'strong_open':
        open({ type: 'strong', children: [] });
        break;
      case 'em_open':
        open({ type: 'em', children: [] });
        break;
      case 's_open':
        open({ type: 'del', children: [] });
        break;
      case 'link_open':
        open({ type: 'link', href: attr(t, 'href') ?? '', children: [] });
        break;
      case 'strong_close':
      case 'em_close':
      case 's_close':
      case 'link_close':
        if (stack.length > 1) stack.pop();
        break;
      case 'image':
        // Images are not fetched: the alt text, linked when the address is a web link.
        {
          const src = attr(t, 'src');
          push(src && /^https?:/i.test(src)
            ? { type: 'link', href: src, children: [{ type: 'text', value: t.content || src }] }
            : { type: 'text', value: t.content });
        }
        break;
      default:
        if (t.content) push({ type: 'text', value: t.content });
    }
  }
  return root;
}

function alignOf(t: Token): Align {
  const style = attr(t, 'style') ?? '';
  const m = /text-align:(left|center|right)/.exec(style);
  return (m?.[1] as Align) ?? null;
}

/** Builds blocks from a token run, consuming up to the close of `until` (a nesting token type). */
function blocks(tokens: Token[], pos: { i: number }, until?: string): Block[] {
  const out: Block[] = [];
  while (pos.i < tokens.length) {
    const t = tokens[pos.i++]!;
    if (until && t.type === until) return out;
    switch (t.type) {
      case 'paragraph_open': {
        const inline = tokens[pos.i++]!;
        pos.i++; // paragraph_close
        out.push({ type: 'paragraph', children: inlines(inline.children ?? []) });
        break;
      }
      case 'heading_open': {
        const inline = tokens[pos.i++]!;
        pos.i++;
        out.push({ type: 'heading', level: Number(t.tag.slice(1)), children: inlines(inline.children ?? []) });
        break;
      }
      case 'fence':
      case 'code_block':
        out.push({ type: 'code', lang: t.info.trim().split(/\s+/)[0] || null, value: t.content.replace(/\n$/, '') });
        break;
      case 'hr':
        out.push({ type: 'rule' });
        break;
      case 'blockquote_open':
        out.push({ type: 'blockquote', children: blocks(tokens, pos, 'blockquote_close') });
        break;
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const ordered = t.type === 'ordered_list_open';
        const close = ordered ? 'ordered_list_close' : 'bullet_list_close';
        const items: Block[][] = [];
        while (pos.i < tokens.length && tokens[pos.i]!.type !== close) {
          if (tokens[pos.i]!.type === 'list_item_open') {
            pos.i++;
            items.push(blocks(tokens, pos, 'list_item_close'));
          } else pos.i++;
        }
        pos.i++;
        out.push({ type: 'list', ordered, start: Number(attr(t, 'start') ?? 1), items });
        break;
      }
      case 'table_open': {
        const align: Align[] = [];
        const header: Inline[][] = [];
        const rows: Inline[][][] = [];
        let row: Inline[][] | undefined;
        while (pos.i < tokens.length && tokens[pos.i]!.type !== 'table_close') {
          const c = tokens[pos.i++]!;
          if (c.type === 'tr_open') row = [];
          else if (c.type === 'th_open' || c.type === 'td_open') {
            const inline = tokens[pos.i++]!;
            const cell = inlines(inline.children ?? []);
            if (c.type === 'th_open') {
              align.push(alignOf(c));
              header.push(cell);
            } else row!.push(cell);
          } else if (c.type === 'tr_close' && row && row.length > 0) rows.push(row);
        }
        pos.i++;
        // Every row as wide as the header.
        out.push({ type: 'table', align, header, rows: rows.map((r) => header.map((_, k) => r[k] ?? [])) });
        break;
      }
      default:
        break; // closes of blocks handled above; html_block cannot occur (html: false)
    }
  }
  return out;
}

export function parseMarkdown(text: string | null | undefined): Block[] {
  if (!text) return [];
  return blocks(md.parse(text, {}), { i: 0 });
}

/** The plain text of inline nodes (table cells in CSV, bookmarks, alt texts). */
export function plainText(nodes: Inline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.value : n.type === 'break' ? '\n' : plainText(n.children))).join('');
}
