import { BorderStyle, type IStylesOptions, LineRuleType, ShadingType, type ITableBordersOptions } from 'docx';
import { COLORS, FONTS, MONO_FONTS, SIZES } from './docx-theme.js';

/**
 * The built-in design's styles. Headings are Word's own Heading 1–6 (so the TOC field, the
 * navigation pane and outline view work), with their outline levels; Markdown inside findings uses
 * Heading 4–6 and stays out of the TOC (levels 1–3).
 */
export function docxStyles(accent: string): IStylesOptions {
  const heading = (size: number, color: string, level: number, before: number) => ({
    run: { font: FONTS, size, bold: true, color },
    paragraph: { keepNext: true, keepLines: true, outlineLevel: level, spacing: { before, after: 120 } },
  });
  return {
    default: {
      document: {
        run: { font: FONTS, size: SIZES.body, color: COLORS.text },
        paragraph: { spacing: { after: 120, line: 276, lineRule: LineRuleType.AUTO } },
      },
      title: { run: { font: FONTS, size: SIZES.title, bold: true, color: accent }, paragraph: { spacing: { before: 120, after: 200, line: 240, lineRule: LineRuleType.AUTO } } },
      heading1: heading(SIZES.h1, accent, 0, 360),
      heading2: heading(SIZES.h2, accent, 1, 320),
      heading3: heading(SIZES.h3, COLORS.text, 2, 240),
      heading4: heading(SIZES.h4, COLORS.text, 3, 200),
      heading5: { ...heading(SIZES.body, COLORS.text, 4, 160) },
      heading6: { ...heading(SIZES.body, COLORS.muted, 5, 160) },
      hyperlink: { run: { color: COLORS.link, underline: {} } },
      listParagraph: { paragraph: { spacing: { after: 60 } } },
    },
    paragraphStyles: [
      {
        id: 'Code',
        name: 'Code',
        basedOn: 'Normal',
        quickFormat: true,
        run: { font: MONO_FONTS, size: SIZES.code },
        paragraph: {
          spacing: { before: 60, after: 160, line: 240, lineRule: LineRuleType.AUTO },
          indent: { left: 113, right: 113 },
          shading: { type: ShadingType.CLEAR, fill: COLORS.codeFill, color: 'auto' },
          border: Object.fromEntries(['top', 'bottom', 'left', 'right'].map((s) => [s, { style: BorderStyle.SINGLE, size: 4, color: COLORS.codeBorder, space: 4 }])),
        },
      },
      {
        id: 'Quote',
        name: 'Quote',
        basedOn: 'Normal',
        quickFormat: true,
        run: { italics: true, color: COLORS.muted },
        paragraph: { indent: { left: 567 }, border: { left: { style: BorderStyle.SINGLE, size: 18, color: COLORS.quoteBar, space: 8 } } },
      },
      { id: 'TableText', name: 'Table Text', basedOn: 'Normal', run: { size: SIZES.small + 2 }, paragraph: { spacing: { before: 40, after: 40, line: 240, lineRule: LineRuleType.AUTO } } },
      { id: 'Label', name: 'Label', basedOn: 'TableText', run: { bold: true, color: COLORS.muted } },
      { id: 'Subtitle', name: 'Subtitle', basedOn: 'Normal', run: { size: 32, color: COLORS.text }, paragraph: { spacing: { after: 240 } } },
      { id: 'CoverMeta', name: 'Cover Meta', basedOn: 'Normal', run: { size: 22, color: COLORS.muted } },
      { id: 'TOCHeading', name: 'TOC Heading', basedOn: 'Normal', next: 'Normal', run: { size: SIZES.h1, bold: true, color: accent }, paragraph: { spacing: { before: 360, after: 200 } } },
      { id: 'Caption', name: 'caption', basedOn: 'Normal', run: { size: SIZES.small, italics: true, color: COLORS.muted }, paragraph: { spacing: { after: 240 } } },
      { id: 'HeaderText', name: 'Header Text', basedOn: 'Normal', run: { size: SIZES.small, color: COLORS.muted }, paragraph: { spacing: { after: 0 } } },
    ],
    characterStyles: [
      { id: 'CodeChar', name: 'Code Char', basedOn: 'DefaultParagraphFont', run: { font: MONO_FONTS, size: SIZES.code, shading: { type: ShadingType.CLEAR, fill: COLORS.codeFill, color: 'auto' } } },
    ],
  };
}

/** Light horizontal rules between rows, none between columns: the tables of the design. */
export const TABLE_BORDERS: ITableBordersOptions = {
  top: { style: BorderStyle.SINGLE, size: 4, color: COLORS.rule },
  bottom: { style: BorderStyle.SINGLE, size: 4, color: COLORS.rule },
  left: { style: BorderStyle.NONE, size: 0, color: 'auto' },
  right: { style: BorderStyle.NONE, size: 0, color: 'auto' },
  insideHorizontal: { style: BorderStyle.SINGLE, size: 4, color: COLORS.rule },
  insideVertical: { style: BorderStyle.NONE, size: 0, color: 'auto' },
};

export const NO_BORDERS: ITableBordersOptions = Object.fromEntries(
  ['top', 'bottom', 'left', 'right', 'insideHorizontal', 'insideVertical'].map((s) => [s, { style: BorderStyle.NONE, size: 0, color: 'auto' }]),
);
