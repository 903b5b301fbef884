import { routePolicies } from '@helmdesk/contracts';
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
});

function byRoute(a: { method: string; path: string }, b: { method: string; path: string }): number {
  return `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);
}
