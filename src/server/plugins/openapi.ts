import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { OPTIONAL_BODY } from '../lib/schemas.js';

type Operation = { requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> } };

/** @fastify/swagger marks every request body required; a body the route lets clients leave out is not. */
function markOptionalBodies(doc: { paths?: Record<string, Record<string, Operation>> }) {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      const media = Object.values(op.requestBody?.content ?? {});
      // The marker stays (an x- extension): the schema objects are the routes' own, shared by every app built.
      if (media.some((m) => m.schema?.[OPTIONAL_BODY])) op.requestBody!.required = false;
    }
  }
  return doc;
}

/** The OpenAPI 3.1 document, generated from the routes' own schemas and served at /api/v1/openapi.json. */
export async function registerOpenApi(
  app: FastifyInstance,
  opts: { version: string; tags: { name: string; description: string }[]; idPrefixes: ReadonlyMap<string, string> },
) {
  const ids = [...opts.idPrefixes].map(([prefix, names]) => `\`${prefix}_\` ${names}`).join(', ');
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'NEURO security assessment platform API',
        version: opts.version,
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'Clients, projects, assets and findings of a penetration-testing team. Every response uses the ' +
          '`{success, data, meta?}` / `{success: false, error: {code, message, details?}}` envelope. ' +
          `Ids carry their type: ${ids}.`,
      },
      servers: [{ url: '/api/v1' }],
      tags: opts.tags,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (nf_live_…) or an access token' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearerAuth: [] }, { apiKey: [] }],
    },
    transform: ({ schema, url }) => ({ schema, url: url.replace(/^\/api\/v1/, '') }),
    transformObject: (doc) => {
      const openapi = (doc as { openapiObject: Parameters<typeof markOptionalBodies>[0] }).openapiObject;
      return markOptionalBodies(openapi) as ReturnType<SwaggerTransformObject>;
    },
  });
}
