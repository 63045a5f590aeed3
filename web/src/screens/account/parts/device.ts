/** "Chrome on Linux" from a user agent: enough to recognise one's own devices. */
export function deviceOf(ua: string | null | undefined): string {
  if (!ua) return 'Unknown device';
  if (/^curl\//i.test(ua)) return 'curl';
  if (/node|undici|python|go-http|axios|okhttp/i.test(ua) && !/Mozilla/.test(ua)) return ua.split(/[\s/]/)[0] ?? 'Script';
  const browser = /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox'
    : /HeadlessChrome/.test(ua) ? 'Headless Chrome' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Windows/.test(ua) ? 'Windows' : /iPhone|iPad/.test(ua) ? 'iOS' : /Android/.test(ua) ? 'Android'
    : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}
