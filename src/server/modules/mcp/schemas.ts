import { Type } from 'typebox';
import { ErrorBody, errorResponses } from '../../lib/schemas.js';

const JsonRpcId = Type.Union([Type.String(), Type.Number(), Type.Null()]);

/** A JSON-RPC 2.0 error answer, as the MCP transport sends for a request it cannot serve. */
const JsonRpcError = Type.Object({
  jsonrpc: Type.Literal('2.0'),
  id: Type.Optional(JsonRpcId),
  error: Type.Object({ code: Type.Integer(), message: Type.String(), data: Type.Optional(Type.Unknown()) }, { additionalProperties: true }),
}, { additionalProperties: true });

/** A JSON-RPC 2.0 response: a result or an error for the request's id. */
const JsonRpcResponse = Type.Object({
  jsonrpc: Type.Literal('2.0'),
  id: Type.Optional(JsonRpcId),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Unknown()),
}, { additionalProperties: true });

/** The API's envelope (credential, rate limit, malformed JSON) or the transport's JSON-RPC error. */
const McpError = Type.Union([ErrorBody, JsonRpcError]);

/**
 * What POST/GET/DELETE /mcp answer: JSON-RPC over HTTP (Streamable HTTP, stateless), with the
 * API's own envelope for what the API refuses before MCP sees the request.
 */
export const mcpResponses = {
  ...errorResponses,
  200: Type.Union([JsonRpcResponse, Type.Array(JsonRpcResponse)]),
  202: Type.Null({ description: 'A notification or response was accepted' }),
  400: McpError,
  404: McpError,
  405: McpError,
  406: McpError,
  413: McpError,
  415: McpError,
};
