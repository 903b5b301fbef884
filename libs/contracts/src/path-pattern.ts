/**
 * A compiled `/a/:b/c` pattern. Literal segments win over parameters when two patterns match
 * (`/api/v1/agents/me` before `/api/v1/agents/:id`), as in API.md.
 */
export interface PathPattern {
  pattern: string;
  /** Number of literal segments: higher is more specific. */
  specificity: number;
  match(path: string): Record<string, string> | null;
  /** `match` for a path already split into its non-empty segments (routers split once). */
  matchSegments(parts: readonly string[]): Record<string, string> | null;
}

/** A path's non-empty segments, as `matchSegments` takes them. */
export function pathSegments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

export function compilePathPattern(pattern: string): PathPattern {
  const segments = pathSegments(pattern);
  const literals = segments.map((seg, i) => [seg, i] as const).filter(([seg]) => !seg.startsWith(':'));
  const matchSegments = (parts: readonly string[]) => {
    if (parts.length !== segments.length) return null;
    // Literal segments first: most patterns fail there, before any parameter is decoded.
    for (const [seg, i] of literals) if (parts[i] !== seg) return null;
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
      }
    }
    return params;
  };
  return {
    pattern,
    specificity: literals.length,
    match: (path: string) => matchSegments(pathSegments(path)),
    matchSegments,
  };
}
