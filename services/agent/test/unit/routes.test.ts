import { routePolicies } from '@helmdesk/contracts';
import { openApiDocument } from '@helmdesk/platform';
import { agentServiceRoutes } from '../../src/http/routes';
import type { HttpDeps } from '../../src/http/deps';

describe('the agent service’s routes', () => {
  // Building the route table touches no dependency; handlers are not called here.
  const routes = agentServiceRoutes({} as HttpDeps);

  it('are exactly the agent routes of the gateway’s policy table, with the same roles', () => {
    const served = routes.map((r) => ({ method: r.method, path: r.path, access: r.access })).sort(byRoute);
    const policy = routePolicies
      .filter((p) => p.target === 'agent')
      .map((p) => ({ method: p.method, path: p.path, access: p.access }))
      .sort(byRoute);
    expect(served).toEqual(policy);
  });

  describe('in the OpenAPI document', () => {
    type Operation = {
      parameters: { name: string; description?: string }[];
      requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } };
    };
    const doc = openApiDocument('agent', '1.0.0', routes) as { paths: Record<string, Record<string, Operation>> };

    it('an admin’s PATCH of an agent refuses an empty body (capacity, active or both), as validation does', () => {
      const body = doc.paths['/api/v1/agents/{id}']!.patch!.requestBody!.content['application/json'].schema;
      expect(body).toMatchObject({ type: 'object', minProperties: 1, additionalProperties: false });
      expect(Object.keys(body.properties as object).sort()).toEqual(['active', 'capacity']);
    });

    it('the agentId filter of the assignments says who may use it', () => {
      const agentId = doc.paths['/api/v1/assignments']!.get!.parameters.find((p) => p.name === 'agentId');
      expect(agentId?.description).toMatch(/^Admin: .*only its own id \(403/);
    });
  });
});

function byRoute(a: { method: string; path: string }, b: { method: string; path: string }): number {
  return `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);
}
