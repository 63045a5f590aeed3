import { csrfToken } from '../../../api/client';
import { ApiError, type FieldDetail } from '../../../api/errors';

/**
 * First-run setup. GET/POST /api/v1/setup are not in the generated types yet (the server part is
 * merged separately), so they are called with plain fetch here; switch to `api` once they are.
 */
export interface SetupState {
  needs_setup: boolean;
  tenant: string;
}

export interface SetupInput {
  name: string;
  email: string;
  password: string;
}

async function call<T>(method: 'GET' | 'POST', body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/api/v1/setup', {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json', 'x-csrf-token': csrfToken() ?? '' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The server cannot be reached: check your connection and try again.');
  }
  const json = (await res.json().catch(() => undefined)) as
    | { data?: T; error?: { code?: string; message?: string; details?: FieldDetail[] } }
    | undefined;
  if (res.ok) return json?.data as T;
  const retry = Number(res.headers.get('retry-after'));
  throw new ApiError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? `The server answered ${res.status}.`,
    json?.error?.details ?? [], Number.isFinite(retry) && retry > 0 ? retry : undefined);
}

export const getSetup = () => call<SetupState>('GET');
/** Creates the first admin and starts their session (cookies, as login with set_cookie). */
export const completeSetup = (input: SetupInput) => call<unknown>('POST', input);
