import { z } from 'zod';
import { defineRoute, openApiDocument } from '@helmdesk/platform';

type Operation = { parameters: Record<string, unknown>[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } };

const route = defineRoute({
  method: 'GET',
  path: '/things',
  summary: 'Things',
  access: ['admin'],
  query: z.strictObject({
    plain: z.string().optional(),
    described: z.string().optional().describe('What it filters.'),
    owner: z.uuid().optional().meta({ description: 'Admin only.', 'x-roles': ['admin'] }),
  }),
  handler: async () => [],
});

describe('the OpenAPI document built from a route table', () => {
  const doc = openApiDocument('test', '1.0.0', [route]) as { paths: Record<string, Record<string, Operation>> };
  const params = doc.paths['/things']!.get!.parameters;
  const param = (name: string) => params.find((p) => p.name === name)!;

  it('when a query field is described, then the description is the parameter’s own, not buried in its schema', () => {
    expect(param('described')).toMatchObject({ in: 'query', required: false, description: 'What it filters.' });
    expect(param('described').schema).toEqual({ type: 'string' });
    expect(param('plain')).not.toHaveProperty('description');
  });

  it('when a query field carries x- metadata, then it is on the parameter too', () => {
    expect(param('owner')).toMatchObject({ description: 'Admin only.', 'x-roles': ['admin'], schema: { type: 'string', format: 'uuid' } });
    expect(param('owner').schema).not.toHaveProperty('x-roles');
  });
});
