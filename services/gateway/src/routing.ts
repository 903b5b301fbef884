import { compilePathPattern, pathSegments, routePolicies, type PathPattern, type RoutePolicy } from '@helmdesk/contracts';

export type RouteResolution =
  | { kind: 'route'; policy: RoutePolicy }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'none' };

interface Compiled {
  policy: RoutePolicy;
  pattern: PathPattern;
}

/**
 * The gateway's view of the route policy table: which policy a request falls under, decided
 * before authentication. A path owned by no policy is `none` (404 or the console); a path owned
 * by policies of other methods is `method-not-allowed` (405 + Allow).
 */
export function createRouteTable(policies: readonly RoutePolicy[] = routePolicies) {
  const compiled: Compiled[] = policies
    .map((policy) => ({ policy, pattern: compilePathPattern(policy.path) }))
    .sort((a, b) => b.pattern.specificity - a.pattern.specificity);
  return {
    resolve(method: string, path: string): RouteResolution {
      const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
      const parts = pathSegments(normalized);
      const matches = compiled.filter((c) => c.pattern.matchSegments(parts) !== null);
      if (matches.length === 0) return { kind: 'none' };
      const wanted = method === 'HEAD' ? 'GET' : method;
      // The most specific pattern wins: /agents/me is not /agents/:id.
      const best = matches[0]!.pattern.specificity;
      const candidates = matches.filter((c) => c.pattern.specificity === best);
      const hit = candidates.find((c) => c.policy.method === wanted);
      if (hit) return { kind: 'route', policy: hit.policy };
      const other = matches.find((c) => c.policy.method === wanted);
      if (other) return { kind: 'route', policy: other.policy };
      return { kind: 'method-not-allowed', allow: [...new Set(matches.map((c) => c.policy.method))] };
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;
