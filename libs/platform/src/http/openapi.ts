import { z } from 'zod';
import type { RouteDefinition } from './route';

type JsonSchema = Record<string, unknown>;

const problemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const problemTitles: Record<number, string> = {
  400: 'Invalid request',
  401: 'No, invalid or expired token',
  403: 'Role not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'State conflict',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Idempotency-Key reused with a different body',
  429: 'Rate limited',
  503: 'Dependency unavailable',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Keys of a property's schema that describe the parameter itself (`.describe()`, `.meta({'x-…'})`). */
const parameterLevel = (key: string) => key === 'description' || key === 'deprecated' || key.startsWith('x-');

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => {
    const own = Object.fromEntries(Object.entries(s).filter(([k]) => parameterLevel(k)));
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => !parameterLevel(k)));
    return { name, in: where, ...own, required: where === 'path' || required.has(name), schema: rest };
  });
}

/** OpenAPI 3.1 document of a service, generated from the same zod schemas that validate requests. */
export function openApiDocument(title: string, version: string, routes: readonly RouteDefinition[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const status = route.status ?? 200;
    const responses: Record<string, unknown> = {
      [String(status)]: route.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
        : { description: 'Success' },
    };
    const problems = new Set<number>([400, ...(route.access === 'public' ? [] : [401, 403]), ...(route.problems ?? [])]);
    if (route.body) problems.add(413).add(415);
    if (route.idempotent) problems.add(409).add(422);
    for (const code of [...problems].sort()) {
      responses[String(code)] = {
        description: problemTitles[code] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      tags: route.tags ?? [title],
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        ...(route.idempotent
          ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }]
          : []),
      ],
      responses,
      ...(route.access === 'public' ? { security: [] } : {}),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title, version },
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
  };
}
