import { ProtocolError, ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import type { RestCall } from './rest.js';

/** JSON-RPC's "invalid request" code, for a read the REST API refused (a missing scope, say). */
const REFUSED = -32600;

/**
 * A project and a finding as resources (`neuro://projects/{id}`, `neuro://findings/{id}`), read
 * through the same REST routes as the tools: what the caller may not read is not found or refused.
 */
export function registerResources(server: McpServer, rest: RestCall) {
  const read = (kind: 'projects' | 'findings') => async (uri: URL, variables: Record<string, string | string[]>) => {
    const id = String(variables.id);
    const answer = await rest('GET', `/${kind}/${encodeURIComponent(id)}`);
    if (answer.ok) return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(answer.data) }] };
    if (answer.status === 404) throw new ResourceNotFoundError(uri.href, answer.error.message);
    throw new ProtocolError(REFUSED, answer.error.message, { status: answer.status, code: answer.error.code });
  };
  server.registerResource('project', new ResourceTemplate('neuro://projects/{id}', { list: undefined }), {
    title: 'Project',
    description: 'A penetration-test project as JSON (its client, dates, status, finding_count).',
    mimeType: 'application/json',
  }, read('projects'));
  server.registerResource('finding', new ResourceTemplate('neuro://findings/{id}', { list: undefined }), {
    title: 'Finding',
    description: 'A vulnerability finding as JSON, every field.',
    mimeType: 'application/json',
  }, read('findings'));
}
