import { routePolicies } from '@helmdesk/contracts';
import { openApiDocument } from '@helmdesk/platform';
import type { CaseRouteDeps } from '../../src/http/deps';
import { caseServiceRoutes } from '../../src/http/routes';

describe('the case service’s routes', () => {
  // Building the route table touches no dependency; handlers are not called here.
  const routes = caseServiceRoutes({} as CaseRouteDeps);

  it('are exactly the case routes of the gateway’s policy table, with the same roles', () => {
    const key = (r: { method: string; path: string }) => `${r.path} ${r.method}`;
    const served = routes.map((r) => ({ method: r.method, path: r.path, access: r.access }));
    const policy = routePolicies.filter((p) => p.target === 'case').map((p) => ({ method: p.method, path: p.path, access: p.access }));
    expect(served.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(policy.sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('when the OpenAPI document lists cases, then customerId and assigneeId are marked admin-only on the parameter itself', () => {
    const doc = openApiDocument('case', '1.0.0', routes) as {
      paths: Record<string, Record<string, { parameters: Record<string, unknown>[] }>>;
    };
    const params = doc.paths['/api/v1/cases']!.get!.parameters;
    for (const name of ['customerId', 'assigneeId']) {
      const param = params.find((p) => p.name === name)!;
      expect(param).toMatchObject({ in: 'query', required: false, 'x-roles': ['admin'], schema: { type: 'string', format: 'uuid' } });
      expect(param.description).toMatch(/^Admin only: .* Any other role giving it gets 400\.$/);
    }
    // The filters everyone may use carry no role restriction.
    expect(params.filter((p) => 'x-roles' in p).map((p) => p.name).sort()).toEqual(['assigneeId', 'customerId']);
  });
});
