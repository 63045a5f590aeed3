import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { checkSelfContainedSvg } from './svg-check.js';

/**
 * SVG to PNG, for the fallback picture that DOCX needs beside every SVG (Word before 2016 and
 * other readers show only the PNG). resvg (Rust, no browser, no network) draws it.
 */

export interface Raster {
  png: Buffer;
  /** The SVG's own size in CSS pixels (the PNG is `scale` times that). */
  width: number;
  height: number;
}

/**
 * The fonts resvg draws text with: the chart's families (Noto Sans, DejaVu Sans, Liberation Sans as
 * an Arial stand-in), found once per process. resvg loads its font list anew for every image, and
 * loading every system font costs 25 ms on a bare machine and 100 ms or more with CJK fonts installed
 * (measured); only when none of these is installed does it load them all. Without any font, resvg
 * leaves text out.
 */
const CHART_FONT_FILES = /^(NotoSans-(Regular|Bold)|DejaVuSans(-Bold)?|LiberationSans-(Regular|Bold))\.ttf$/;
let fontFiles: string[] | undefined;

function chartFonts(): string[] {
  if (fontFiles) return fontFiles;
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory() && depth < 4) walk(join(dir, e.name), depth + 1);
      else if (CHART_FONT_FILES.test(e.name)) found.push(join(dir, e.name));
    }
  };
  for (const dir of ['/usr/share/fonts', '/usr/local/share/fonts', '/Library/Fonts', 'C:\\Windows\\Fonts']) walk(dir, 0);
  return (fontFiles = found);
}

export function svgToPng(svg: string, opts: { scale?: number; trusted?: boolean } = {}): Raster {
  if (!opts.trusted) checkSelfContainedSvg(svg);
  const files = chartFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    font: files.length ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  const width = resvg.width;
  const height = resvg.height;
  return { png: resvg.render().asPng(), width, height };
}

/** Width and height from a PNG's IHDR chunk, or undefined when it isn't a PNG. */
export function pngSize(data: Buffer): { width: number; height: number } | undefined {
  const signature = '89504e470d0a1a0a';
  if (data.length < 24 || data.subarray(0, 8).toString('hex') !== signature || data.subarray(12, 16).toString('latin1') !== 'IHDR') return undefined;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
