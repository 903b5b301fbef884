import { routePolicies } from '@helmdesk/contracts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A readable, dependency-free API page: the route table, with a link to the OpenAPI document. */
export function docsPage(): string {
  const rows = routePolicies
    .map(
      (r) =>
        `<tr><td><code>${r.method}</code></td><td><code>${escape(r.path)}</code></td><td>${r.target}</td><td>${
          r.access === 'public' ? 'public' : r.access.join(', ')
        }</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helmdesk API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}code{font-size:.9em}</style>
</head><body>
<h1>Helmdesk API</h1>
<p>Machine-readable: <a href="/api/docs/openapi.json">OpenAPI 3.1 document</a>. Send <code>Authorization: Bearer &lt;accessToken&gt;</code>
from <code>POST /api/v1/auth/login</code>. Errors are <code>application/problem+json</code> (RFC 9457).</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Service</th><th>Who</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
