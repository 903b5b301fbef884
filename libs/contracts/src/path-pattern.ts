/**
 * A compiled `/a/:b/c` pattern. Literal segments win over parameters when two patterns match
 * (`/api/v1/agents/me` before `/api/v1/agents/:id`), as in API.md.
 */
export interface PathPattern {
  pattern: string;
  /** Number of literal segments: higher is more specific. */
  specificity: number;
  match(path: string): Record<string, string> | null;
}

export function compilePathPattern(pattern: string): PathPattern {
  const segments = pattern.split('/').filter(Boolean);
  return {
    pattern,
    specificity: segments.filter((s) => !s.startsWith(':')).length,
    match(path: string) {
      const parts = path.split('/').filter(Boolean);
      if (parts.length !== segments.length) return null;
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith(':')) {
          let value: string;
          try {
            value = decodeURIComponent(part);
          } catch {
            return null;
          }
          params[seg.slice(1)] = value;
        } else if (seg !== part) {
          return null;
        }
      }
      return params;
    },
  };
}
