/** A failed API call: the envelope's code, message and per-field details. */
export interface FieldDetail {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldDetail[] = [],
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** The message of each field the API named, by field (the first per field). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) out[d.field] ??= d.message;
    return out;
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful call; an ApiError for any other answer (or a network failure). */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<NonNullable<T>> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached: check your connection and try again.');
  }
  const { data, error, response } = result;
  if (response.ok) return data as NonNullable<T>;
  const e = (error as { error?: { code?: string; message?: string; details?: FieldDetail[] } } | undefined)?.error;
  const retry = Number(response.headers.get('retry-after'));
  throw new ApiError(
    response.status,
    e?.code ?? 'HTTP_' + response.status,
    e?.message ?? `The server answered ${response.status}.`,
    e?.details ?? [],
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/** Words for a person: what went wrong, and what to do where the code says. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : 'Something went wrong.';
  switch (err.code) {
    case 'PERMISSION_DENIED':
    case 'FORBIDDEN':
      return `${err.message} Ask an admin for access if you need it.`;
    case 'RATE_LIMIT_EXCEEDED':
      return err.retryAfter ? `${err.message} Try again in ${waitWords(err.retryAfter)}.` : err.message;
    case 'INTERNAL_ERROR':
      return 'The server failed to answer. Try again; if it keeps failing, tell your admin.';
    default:
      return err.message;
  }
}

export function waitWords(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
