import { ApiError, describeError } from '../../../api/errors';

/** A failed save: the API's per-field messages for the inline errors, and the rest in words. */
export function formErrors(err: unknown): { fields: Record<string, string>; message?: string } {
  if (err instanceof ApiError) {
    const fields = err.fields;
    return { fields, message: Object.keys(fields).length ? `${err.message}: check the fields marked below.` : describeError(err) };
  }
  return { fields: {}, message: describeError(err) };
}

export const PAGE_SIZE = 20;
