import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The fonts the PDF design ships with, all SIL Open Font License 1.1, from npm packages so they
 * install with the app. Noto Sans covers Latin, Greek and Cyrillic; Noto Sans SC Chinese and
 * Japanese kana; Noto Sans KR Hangul; Noto Sans Mono the code. The compiler gets file paths, not
 * bytes: it indexes them at start and reads a file only when a document uses it, so a process that
 * never renders CJK never holds the 10 MB CJK faces in memory.
 */
const FILES: Record<string, string[]> = {
  '@expo-google-fonts/noto-sans': [
    '400Regular/NotoSans_400Regular.ttf',
    '400Regular_Italic/NotoSans_400Regular_Italic.ttf',
    '600SemiBold/NotoSans_600SemiBold.ttf',
    '700Bold/NotoSans_700Bold.ttf',
    '700Bold_Italic/NotoSans_700Bold_Italic.ttf',
  ],
  '@expo-google-fonts/noto-sans-mono': ['400Regular/NotoSansMono_400Regular.ttf', '700Bold/NotoSansMono_700Bold.ttf'],
  '@expo-google-fonts/noto-sans-sc': ['400Regular/NotoSansSC_400Regular.ttf', '700Bold/NotoSansSC_700Bold.ttf'],
  '@expo-google-fonts/noto-sans-kr': ['400Regular/NotoSansKR_400Regular.ttf', '700Bold/NotoSansKR_700Bold.ttf'],
};

/** Family names as the design's font lists name them (text first, then the CJK fallbacks). */
export const FONT_FAMILIES = {
  text: ['Noto Sans', 'Noto Sans SC', 'Noto Sans KR'],
  mono: ['Noto Sans Mono', 'Noto Sans SC', 'Noto Sans KR'],
};

/** The PDF base font names (without the subset prefix) a document may embed. */
export const EMBEDDED_FONT_NAMES = [
  'NotoSans-Regular', 'NotoSans-Italic', 'NotoSans-SemiBold', 'NotoSans-Bold', 'NotoSans-BoldItalic',
  'NotoSansMono-Regular', 'NotoSansMono-Bold', 'NotoSansSC-Regular', 'NotoSansSC-Bold', 'NotoSansKR-Regular', 'NotoSansKR-Bold',
];

let paths: string[] | undefined;

/** Absolute paths of the font files; throws naming the package when one is not installed. */
export function fontPaths(): string[] {
  if (paths) return paths;
  const require = createRequire(import.meta.url);
  const out: string[] = [];
  for (const [pkg, files] of Object.entries(FILES)) {
    const dir = dirname(require.resolve(`${pkg}/package.json`));
    for (const f of files) {
      const p = join(dir, f);
      if (!existsSync(p)) throw new Error(`font file missing: ${pkg}/${f} (reinstall ${pkg})`);
      out.push(p);
    }
  }
  paths = out;
  return out;
}
