/**
 * Where to go after signing in: the `next` parameter when it is a path of this app (starts with
 * one `/`, no scheme, no `//` or `/\` host), else the dashboard — never another origin.
 */
export function safeNext(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // Control characters and backslashes let some browsers read a path as a host.
  if ([...raw].some((c) => c.charCodeAt(0) < 0x20 || c === '\\')) return '/';
  try {
    const url = new URL(raw, window.location.origin);
    if (url.origin !== window.location.origin) return '/';
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('/sign-in') || path.startsWith('/setup') ? '/' : path;
  } catch {
    return '/';
  }
}

/** The token of a link's fragment (`#token=…`), which never reaches a server's logs. */
export function fragmentToken(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return params.get('token');
}

/**
 * An API field message ("must be at least 12 characters long") as a sentence under its field:
 * "Password must be at least 12 characters long."
 */
export function sentence(message: string | undefined, subject?: string): string | undefined {
  if (!message) return undefined;
  const whole = subject ? `${subject} ${message}` : message;
  const s = whole.charAt(0).toUpperCase() + whole.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
