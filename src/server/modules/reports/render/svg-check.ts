/**
 * resvg reads the files that `<image href="/path">` names from the local disk, so an SVG that is
 * not ours (a tenant's logo) is refused unless it is self-contained: no DOCTYPE or entities, and
 * every href/src a fragment (`#id`) or a `data:` URI.
 */
export class UnsafeSvgError extends Error {}

const REFERENCE = /\b(?:xlink:)?(?:href|src)\s*=\s*(["'])\s*(.*?)\1/gis;

export function checkSelfContainedSvg(svg: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) throw new UnsafeSvgError('The SVG has a DOCTYPE or entity declarations');
  if (/url\(\s*(?!['"]?\s*#)/i.test(svg) || /@import/i.test(svg)) throw new UnsafeSvgError('The SVG refers to an external resource in CSS');
  for (const m of svg.matchAll(REFERENCE)) {
    const ref = m[2]!.trim();
    if (!ref.startsWith('#') && !/^data:/i.test(ref)) throw new UnsafeSvgError(`The SVG refers to an external resource (${ref.slice(0, 60)})`);
  }
}

