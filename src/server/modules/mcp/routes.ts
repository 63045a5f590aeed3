import type { FastifyReply, FastifyRequest } from 'fastify';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { App, AppContext, Module } from '../../types.js';
import { restAs } from './rest.js';
import { registerTools } from './tools.js';
import { registerResources } from './resources.js';
import { mcpResponses } from './schemas.js';

/** Headers of the HTTP exchange itself, not for the web Request handed to the MCP handler. */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

/**
 * The MCP endpoint (Streamable HTTP) at /mcp, for AI assistants. Stateless: every request gets a
 * fresh server bound to its caller, so any instance behind a load balancer can answer and there
 * is no session to hijack or expire. Authentication is the API's own (an MCP token, API key,
 * service token or access token as `Authorization: Bearer`), checked before MCP sees the request;
 * every tool calls the REST route it mirrors with that same credential.
 */
export const mcpModule: Module = {
  name: 'mcp',
  mount: 'root',
  register(app, ctx) {
    // The MCP server of a request: its tools act as the caller of that request.
    const callers = new WeakMap<Request, FastifyRequest>();
    const handler = createMcpHandler(({ requestInfo }) => {
      const request = requestInfo && callers.get(requestInfo);
      if (!request) throw new Error('MCP request without its Fastify request');
      return serverFor(app, ctx, request);
    }, {
      legacy: 'stateless',
      // JSON unless a handler sends notifications first (ours do not): one body per request.
      responseMode: 'auto',
      onerror: (err) => app.log.debug({ err }, 'MCP request refused'),
    });
    app.addHook('onClose', () => handler.close());

    // RFC 6750: a 401 names the scheme to use, and (RFC 9728, the MCP authorization spec) where
    // the protected resource metadata is, which names the authorization server to get a token from.
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode === 401) {
        const presented = request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
        const metadata = `${request.protocol}://${request.host.toLowerCase()}/.well-known/oauth-protected-resource/mcp`;
        const params = [`realm="mcp"`, ...(presented ? ['error="invalid_token"'] : []), `resource_metadata="${metadata}"`];
        reply.header('www-authenticate', `Bearer ${params.join(', ')}`);
      }
      return payload;
    });

    app.route({
      method: ['POST', 'GET', 'DELETE'],
      url: '/mcp',
      exposeHeadRoute: false,
      schema: {
        hide: true,
        operationId: 'mcp',
        summary: 'Model Context Protocol endpoint (Streamable HTTP, stateless)',
        response: mcpResponses,
      },
      config: { principal: 'any', resource: 'mcp' },
      handler: async (request, reply) => {
        // A client that goes away aborts the exchange.
        const gone = new AbortController();
        reply.raw.on('close', () => gone.abort());
        const webRequest = toWebRequest(request, gone.signal);
        callers.set(webRequest, request);
        const response = await handler.fetch(webRequest, request.method === 'POST' ? { parsedBody: request.body } : {});
        return sendWebResponse(reply, response);
      },
    });
  },
};

function serverFor(app: App, ctx: AppContext, request: FastifyRequest): McpServer {
  const server = new McpServer(
    { name: 'neuro-platform', title: 'Security assessments (findings, projects, reports)', version: ctx.version },
    {
      instructions:
        'Tools over a penetration-testing platform: clients, their projects, assets in scope, vulnerability findings and reports. ' +
        'Ids carry their type (proj_…, find_…, asset_…, cli_…, rep_…). Lists are paged: read pagination.pages and ask for the next page.',
    },
  );
  const rest = restAs(app, request);
  registerTools(server, rest, { db: ctx.db, tenantId: request.principal.tenantId, log: request.log });
  registerResources(server, rest);
  return server;
}

function toWebRequest(request: FastifyRequest, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (HOP_HEADERS.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Request(new URL(request.url, `${request.protocol}://${request.host}`), { method: request.method, headers, signal });
}

async function sendWebResponse(reply: FastifyReply, response: Response) {
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') reply.header(name, value);
  });
  // JSON, or an event stream that ends with the request's answer (the tools send no progress
  // events): either is read whole, so it is sent (and checked against its schema) as one body.
  const text = await response.text();
  return reply.send(text === '' ? null : text);
}
