import type { CallToolResult } from '@modelcontextprotocol/server';
import type { RestAnswer } from './rest.js';

/** A tool's answer: compact JSON text, the same shape the model reads every time. */
export function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

/** A REST error as a tool error: the API's status, code, message and field details. */
export function restError(answer: Extract<RestAnswer, { ok: false }>): CallToolResult {
  const { code, message, details } = answer.error;
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ status: answer.status, code, message, ...(details ? { details } : {}) }) }] };
}

/** A list answer without the envelope: the items under `key`, and where the page stands. */
export function page(answer: Extract<RestAnswer, { ok: true }>, key: string): CallToolResult {
  return json({ [key]: answer.data, pagination: answer.meta });
}

/** The answer's data, or the tool error for the REST error. */
export function data(answer: RestAnswer): CallToolResult {
  return answer.ok ? json(answer.data) : restError(answer);
}

/** What a failure of our own becomes: the envelope's 500, with nothing of its cause. */
export function json500(): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' }) }] };
}
