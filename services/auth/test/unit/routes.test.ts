import { routePolicies } from '@helmdesk/contracts';
import { openApiDocument } from '@helmdesk/platform';
import { authServiceRoutes } from '../../src/http/routes';
import { registerBody } from '../../src/http/schemas';

describe('the auth routes', () => {
  it('when compared with the route policy table of libs/contracts, then they are exactly its auth rows, with the same access', () => {
    const routes = authServiceRoutes({} as never);
    const served = routes.map((r) => ({ method: r.method, path: r.path, access: r.access })).sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`));
    const table = routePolicies
      .filter((p) => p.target === 'auth')
      .map((p) => ({ method: p.method, path: p.path, access: p.access }))
      .sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`));
    expect(served).toEqual(table);
  });

  it('when a route creates something, then it honours Idempotency-Key', () => {
    const creating = authServiceRoutes({} as never).filter((r) => r.status === 201);
    expect(creating.map((r) => r.path).sort()).toEqual(['/api/v1/auth/register', '/api/v1/users']);
    expect(creating.every((r) => r.idempotent)).toBe(true);
  });

  it('when the OpenAPI document describes an account being created, then its email has format email and the pattern validation applies', () => {
    const doc = openApiDocument('auth', '1.0.0', authServiceRoutes({} as never)) as {
      paths: Record<string, Record<string, { requestBody: { content: { 'application/json': { schema: { properties: Record<string, { pattern?: string }> } } } } }>>;
    };
    for (const path of ['/api/v1/auth/register', '/api/v1/users']) {
      const body = doc.paths[path]!.post!.requestBody.content['application/json'].schema;
      expect(body.properties.email).toMatchObject({ type: 'string', format: 'email', maxLength: 254, pattern: expect.any(String) });
      const documented = new RegExp(body.properties.email!.pattern!);
      for (const accepted of ['ann@example.com', 'o.k+tag@sub.example.org']) expect(documented.test(accepted)).toBe(true);
      for (const refused of ['ann', 'a~b@example.com', 'ann@localhost']) {
        expect(documented.test(refused)).toBe(false);
        expect(registerBody.safeParse({ email: refused, password: 'long-enough-1', name: 'Ann' }).success).toBe(false);
      }
      expect(body.properties.password).toMatchObject({ type: 'string', minLength: 10, maxLength: 72 });
    }
  });
});
