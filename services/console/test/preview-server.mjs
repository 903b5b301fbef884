// A stand-in for the platform, for looking at the console without it: serves services/console/dist
// like the gateway does (assets by path, index.html for GETs that accept HTML) and answers the
// public API from memory, following shared/API.md closely enough to click through every page
// (routing, queue, claims, reassign on delete, templates, webhooks). Not a test of the platform:
// the browser test runs against the real one.
//
//   node services/console/test/preview-server.mjs   (PORT, default 8099; admin from
//   HELMDESK_ADMIN_EMAIL / HELMDESK_ADMIN_PASSWORD, default admin@helmdesk.local / admin-password)
import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(fileURLToPath(new URL('../dist', import.meta.url)));
const port = Number(process.env.PORT ?? 8099);
const accessTtlMs = Number(process.env.ACCESS_TTL_MS ?? 15 * 60_000);
const profileDelayMs = Number(process.env.PROFILE_DELAY_MS ?? 1500);
const now = () => new Date().toISOString();

// ---- state ----------------------------------------------------------------------------------
const users = new Map(); // id → {…User, password}
const access = new Map(); // token → {userId, exp}
const refresh = new Map(); // token → {userId, spent}
const cases = new Map();
const comments = []; // {…Comment}
const history = new Map(); // caseId → items
const agents = new Map(); // id → Agent
const assignments = []; // Assignment
const queue = []; // {caseId, queuedAt}
const webhooks = [];
const deliveries = [];
const prioRank = { urgent: 0, high: 1, normal: 2, low: 3 };
const placeholders = {
  'case.opened.customer': ['case.id', 'case.subject', 'case.priority', 'case.createdAt', 'customer.name', 'customer.email'],
  'case.assigned.customer': ['case.id', 'case.subject', 'case.priority', 'case.createdAt', 'customer.name', 'customer.email', 'agent.name', 'case.assignedAt'],
  'case.assigned.agent': ['case.id', 'case.subject', 'case.priority', 'case.createdAt', 'customer.name', 'customer.email', 'agent.name', 'agent.email', 'case.assignedAt'],
  'case.resolved.customer': ['case.id', 'case.subject', 'case.priority', 'case.createdAt', 'customer.name', 'customer.email', 'agent.name', 'case.resolvedAt', 'case.resolution'],
  'digest.daily': ['digest.date', 'digest.opened', 'digest.assigned', 'digest.resolved', 'digest.waiting'],
};
const templates = Object.keys(placeholders).map((key) => ({
  key,
  subject: `[Helmdesk] ${key.startsWith('digest') ? 'Daily digest {{digest.date}}' : '{{case.subject}}'}`,
  body: key.startsWith('digest') ? 'Opened: {{digest.opened}}\nWaiting: {{digest.waiting}}' : 'Hello,\n\nCase {{case.id}}: {{case.subject}}\n',
  updatedAt: now(),
}));

function addUser({ email, password, name, role }) {
  const user = { id: randomUUID(), email, name, role, disabled: false, createdAt: now(), password };
  users.set(user.id, user);
  if (role === 'agent') {
    setTimeout(() => {
      agents.set(user.id, { id: user.id, name, email, status: 'offline', active: true, capacity: 3, activeCases: 0, lastAssignedAt: null });
    }, profileDelayMs);
  }
  return user;
}
const publicUser = ({ password: _p, ...u }) => u;
addUser({
  email: process.env.HELMDESK_ADMIN_EMAIL ?? 'admin@helmdesk.local',
  password: process.env.HELMDESK_ADMIN_PASSWORD ?? 'admin-password',
  name: 'Admin',
  role: 'admin',
});

function event(caseId, type, data, actorId) {
  history.get(caseId).push({ type, at: now(), ...(actorId ? { actorId } : {}), data });
  const c = cases.get(caseId);
  const customer = c && users.get(c.customerId);
  if (customer && ['case.created', 'case.assigned', 'case.resolved'].includes(type)) {
    deliveries.unshift({
      id: randomUUID(), eventId: randomUUID(), event: type, channel: 'email', recipient: customer.email,
      template: type === 'case.created' ? 'case.opened.customer' : `${type}.customer`, status: 'sent', attempts: 1, lastError: null, createdAt: now(), sentAt: now(),
    });
  }
}

function assign(caseId, agent, how) {
  const c = cases.get(caseId);
  const qi = queue.findIndex((q) => q.caseId === caseId);
  if (qi >= 0) queue.splice(qi, 1);
  Object.assign(c, { status: 'assigned', assigneeId: agent.id, assignedAt: now(), updatedAt: now() });
  agent.activeCases++;
  agent.lastAssignedAt = now();
  const a = { caseId, agentId: agent.id, state: 'active', assignedAt: now(), resolvedAt: null, how };
  assignments.push(a);
  event(caseId, 'case.assigned', { agentId: agent.id, how });
  return a;
}

const eligible = () =>
  [...agents.values()]
    .filter((a) => a.status === 'online' && a.active && a.activeCases < a.capacity)
    .sort((a, b) => a.activeCases - b.activeCases || (a.lastAssignedAt ?? '').localeCompare(b.lastAssignedAt ?? ''));

function sortedQueue() {
  return [...queue].sort((x, y) => prioRank[cases.get(x.caseId).priority] - prioRank[cases.get(y.caseId).priority] || x.queuedAt.localeCompare(y.queuedAt));
}

function route() {
  for (;;) {
    const next = sortedQueue()[0];
    const agent = eligible()[0];
    if (!next || !agent) return;
    assign(next.caseId, agent, 'auto');
  }
}

// ---- http -----------------------------------------------------------------------------------
class Problem extends Error {
  constructor(status, title, detail, extra = {}) {
    super(detail);
    Object.assign(this, { status, title, detail, extra });
  }
}
const invalid = (detail, errors = []) => new Problem(400, 'Invalid request', detail, { errors });
const notFound = (detail = 'Not found.') => new Problem(404, 'Not found', detail);

function pageOf(items, query) {
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20)));
  const cursor = query.get('cursor');
  let start = 0;
  if (cursor) {
    start = Number(Buffer.from(cursor, 'base64url').toString());
    if (!Number.isInteger(start)) throw invalid('The cursor is not one this server issued.');
  }
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
  return { items: slice, nextCursor: next };
}

function text(body, field, max) {
  const v = body[field];
  if (typeof v !== 'string' || !v.trim() || v.length > max) throw invalid(`A field is invalid: body.${field}`, [{ path: `body.${field}`, message: `must be 1–${max} characters, not blank` }]);
  return v;
}

function strict(body, allowed) {
  for (const k of Object.keys(body ?? {})) if (!allowed.includes(k)) throw invalid(`A field is invalid: body.${k} (unknown field)`, [{ path: `body.${k}`, message: 'unknown field' }]);
}

const routes = [];
const on = (method, pattern, roles, handler) => routes.push({ method, parts: pattern.split('/').filter(Boolean), roles, handler });

function issue(user) {
  const accessToken = randomBytes(18).toString('base64url');
  const refreshToken = randomBytes(24).toString('base64url');
  access.set(accessToken, { userId: user.id, exp: Date.now() + accessTtlMs });
  refresh.set(refreshToken, { userId: user.id, spent: false });
  return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: Math.round(accessTtlMs / 1000) };
}

on('POST', '/api/v1/auth/register', null, ({ body }) => {
  strict(body, ['email', 'password', 'name']);
  if (typeof body.password !== 'string' || body.password.length < 10) throw invalid('A field is invalid: body.password', [{ path: 'body.password', message: 'must be at least 10 characters' }]);
  if ([...users.values()].some((u) => u.email === body.email)) throw new Problem(409, 'Conflict', 'An account with this email exists.');
  return [201, publicUser(addUser({ ...body, role: 'customer' }))];
});
on('POST', '/api/v1/auth/login', null, ({ body }) => {
  const u = [...users.values()].find((x) => x.email === body.email);
  if (!u || u.password !== body.password || u.disabled) throw new Problem(401, 'Unauthorized', 'Wrong email or password.');
  return [200, { ...issue(u), user: publicUser(u) }];
});
on('POST', '/api/v1/auth/refresh', null, ({ body }) => {
  const r = refresh.get(body.refreshToken);
  if (!r || r.spent) throw new Problem(401, 'Unauthorized', 'The refresh token is not valid.');
  r.spent = true;
  return [200, issue(users.get(r.userId))];
});
on('POST', '/api/v1/auth/logout', [], ({ body }) => {
  refresh.delete(body.refreshToken);
  return [204];
});
on('GET', '/api/v1/auth/me', [], ({ user }) => [200, publicUser(user)]);
on('POST', '/api/v1/users', ['admin'], ({ body }) => {
  strict(body, ['email', 'password', 'name', 'role']);
  if ([...users.values()].some((u) => u.email === body.email)) throw new Problem(409, 'Conflict', 'An account with this email exists.');
  return [201, publicUser(addUser(body))];
});
on('GET', '/api/v1/users', ['admin'], ({ query }) => {
  const q = (query.get('q') ?? '').toLowerCase();
  const role = query.get('role');
  const list = [...users.values()].filter((u) => (!role || u.role === role) && (!q || `${u.name} ${u.email}`.toLowerCase().includes(q)));
  return [200, pageOf(list.reverse().map(publicUser), query)];
});
on('PATCH', '/api/v1/users/:id', ['admin'], ({ params, body }) => {
  const u = users.get(params.id);
  if (!u) throw notFound();
  Object.assign(u, body);
  return [200, publicUser(u)];
});

const visible = (c, user) =>
  user.role === 'admin' || c.customerId === user.id || c.assigneeId === user.id || (user.role === 'agent' && c.status === 'open');
const getCase = (id, user) => {
  const c = cases.get(id);
  if (!c || !visible(c, user)) throw notFound(`There is no case ${id}.`);
  return c;
};
on('POST', '/api/v1/cases', ['customer'], ({ body, user }) => {
  strict(body, ['subject', 'description', 'priority']);
  const c = {
    id: randomUUID(), subject: text(body, 'subject', 200).trim(), description: text(body, 'description', 10000), priority: body.priority ?? 'normal',
    status: 'open', customerId: user.id, assigneeId: null, createdAt: now(), updatedAt: now(), assignedAt: null, resolvedAt: null, resolution: null,
  };
  cases.set(c.id, c);
  history.set(c.id, []);
  event(c.id, 'case.created', { subject: c.subject, priority: c.priority }, user.id);
  queue.push({ caseId: c.id, queuedAt: c.createdAt });
  route();
  return [201, c];
});
on('GET', '/api/v1/cases', [], ({ user, query }) => {
  const list = [...cases.values()]
    .filter((c) => (user.role === 'admin' ? true : user.role === 'agent' ? c.assigneeId === user.id : c.customerId === user.id))
    .filter((c) => (!query.get('status') || c.status === query.get('status')) && (!query.get('priority') || c.priority === query.get('priority')))
    .reverse();
  return [200, pageOf(list, query)];
});
on('GET', '/api/v1/cases/:id', [], ({ params, user }) => [200, getCase(params.id, user)]);
on('GET', '/api/v1/cases/:id/comments', [], ({ params, user, query }) => {
  getCase(params.id, user);
  return [200, pageOf(comments.filter((m) => m.caseId === params.id), query)];
});
on('POST', '/api/v1/cases/:id/comments', [], ({ params, user, body }) => {
  const c = getCase(params.id, user);
  if (user.role === 'agent' && c.assigneeId !== user.id) throw notFound();
  const m = { id: randomUUID(), caseId: c.id, authorId: user.id, authorRole: user.role, body: text(body, 'body', 10000), createdAt: now() };
  comments.push(m);
  event(c.id, 'case.commented', { commentId: m.id, authorRole: user.role }, user.id);
  return [201, m];
});
on('GET', '/api/v1/cases/:id/history', [], ({ params, user }) => {
  getCase(params.id, user);
  return [200, { items: history.get(params.id) }];
});

const myAgent = (user) => {
  const a = agents.get(user.id);
  if (!a) throw notFound('There is no agent profile for you yet.');
  return a;
};
on('GET', '/api/v1/agents', ['admin'], ({ query }) => [200, pageOf([...agents.values()].filter((a) => !query.get('status') || a.status === query.get('status')), query)]);
on('GET', '/api/v1/agents/me', ['agent'], ({ user }) => [200, myAgent(user)]);
on('PATCH', '/api/v1/agents/me', ['agent'], ({ user, body }) => {
  strict(body, ['status']);
  const a = myAgent(user);
  if (!['online', 'away', 'offline'].includes(body.status)) throw invalid('A field is invalid: body.status', [{ path: 'body.status', message: 'invalid' }]);
  a.status = body.status;
  route();
  return [200, a];
});
on('GET', '/api/v1/agents/:id', ['admin'], ({ params }) => {
  const a = agents.get(params.id);
  if (!a) throw notFound();
  return [200, a];
});
on('PATCH', '/api/v1/agents/:id', ['admin'], ({ params, body }) => {
  strict(body, ['capacity', 'active']);
  const a = agents.get(params.id);
  if (!a) throw notFound();
  if (body.capacity !== undefined && !(Number.isInteger(body.capacity) && body.capacity >= 1 && body.capacity <= 50)) throw invalid('A field is invalid: body.capacity', [{ path: 'body.capacity', message: 'must be 1–50' }]);
  Object.assign(a, body);
  route();
  return [200, a];
});
on('DELETE', '/api/v1/agents/:id', ['admin'], ({ params, query }) => {
  const a = agents.get(params.id);
  if (!a) throw notFound();
  const open = assignments.filter((x) => x.agentId === a.id && x.state === 'active');
  if (open.length && query.get('reassign') !== 'true') throw new Problem(409, 'Conflict', `The agent still holds ${open.length} open case(s); use ?reassign=true to requeue them.`);
  agents.delete(a.id);
  users.get(a.id).disabled = true;
  for (const x of open) {
    assignments.splice(assignments.indexOf(x), 1);
    const c = cases.get(x.caseId);
    Object.assign(c, { status: 'open', assigneeId: null, assignedAt: null, updatedAt: now() });
    queue.push({ caseId: c.id, queuedAt: c.createdAt });
    event(c.id, 'case.requeued', { previousAgentId: a.id, queuedAt: c.createdAt });
  }
  route();
  return [204];
});
on('GET', '/api/v1/queue', ['agent', 'admin'], ({ query }) =>
  [200, pageOf(sortedQueue().map((q, i) => ({ caseId: q.caseId, subject: cases.get(q.caseId).subject, priority: cases.get(q.caseId).priority, queuedAt: q.queuedAt, position: i + 1 })), query)]);
const claimable = (a) => {
  if (a.status === 'offline' || !a.active || a.activeCases >= a.capacity) throw new Problem(409, 'Conflict', 'You cannot claim: offline, inactive or at capacity.');
};
on('POST', '/api/v1/queue/claim', ['agent'], ({ user }) => {
  const a = myAgent(user);
  const next = sortedQueue()[0];
  if (!next) throw notFound('No case is waiting.');
  claimable(a);
  return [200, assign(next.caseId, a, 'claim')];
});
on('POST', '/api/v1/queue/:caseId/claim', ['agent'], ({ user, params }) => {
  const a = myAgent(user);
  if (!cases.has(params.caseId)) throw notFound();
  if (!queue.some((q) => q.caseId === params.caseId)) throw new Problem(409, 'Conflict', 'The case is no longer waiting.');
  claimable(a);
  return [200, assign(params.caseId, a, 'claim')];
});
on('GET', '/api/v1/assignments', ['agent', 'admin'], ({ user, query }) => {
  const list = assignments.filter((x) => (user.role === 'admin' ? !query.get('agentId') || x.agentId === query.get('agentId') : x.agentId === user.id) && (!query.get('state') || x.state === query.get('state')));
  return [200, pageOf([...list].reverse(), query)];
});
on('POST', '/api/v1/assignments/:caseId/resolve', ['agent'], ({ user, params, body }) => {
  const x = assignments.find((y) => y.caseId === params.caseId && y.agentId === user.id);
  if (!x) throw notFound();
  if (x.state === 'resolved') throw new Problem(409, 'Conflict', 'Already resolved.');
  Object.assign(x, { state: 'resolved', resolvedAt: now() });
  const a = agents.get(user.id);
  a.activeCases--;
  setTimeout(() => {
    Object.assign(cases.get(x.caseId), { status: 'resolved', resolvedAt: x.resolvedAt, resolution: body.resolution ?? null, updatedAt: now() });
    event(x.caseId, 'case.resolved', { agentId: user.id, resolution: body.resolution ?? null });
    route();
  }, 300);
  return [200, x];
});

on('GET', '/api/v1/notifications', ['admin'], ({ query }) => {
  const f = (k) => query.get(k);
  const list = deliveries.filter((d) => (!f('recipient') || d.recipient === f('recipient')) && (!f('status') || d.status === f('status')) && (!f('channel') || d.channel === f('channel')) && (!f('event') || d.event === f('event')) && (!f('from') || d.createdAt >= f('from')) && (!f('to') || d.createdAt <= f('to')));
  return [200, pageOf(list, query)];
});
on('POST', '/api/v1/notifications/digest', ['admin'], () => [202, { queued: true }]);
on('GET', '/api/v1/notification-templates', ['admin'], ({ query }) => [200, pageOf(templates.map((t) => ({ ...t, variables: placeholders[t.key] })), query)]);
on('PUT', '/api/v1/notification-templates/:key', ['admin'], ({ params, body }) => {
  const t = templates.find((x) => x.key === params.key);
  if (!t) throw notFound(`There is no template ${params.key}.`);
  const bad = [...`${body.subject} ${body.body}`.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]).filter((v) => !placeholders[t.key].includes(v));
  if (bad.length) throw invalid(`The template is invalid: unknown placeholder {{${bad[0]}}}`, [{ path: 'body.body', message: `unknown placeholder {{${bad[0]}}}` }]);
  Object.assign(t, { subject: body.subject, body: body.body, updatedAt: now() });
  return [200, { ...t, variables: placeholders[t.key] }];
});
on('POST', '/api/v1/webhooks', ['admin'], ({ body }) => {
  const w = { id: randomUUID(), url: body.url, events: body.events, createdAt: now() };
  webhooks.push(w);
  return [201, { ...w, secret: `whsec_${randomBytes(24).toString('base64url')}` }];
});
on('GET', '/api/v1/webhooks', ['admin'], ({ query }) => [200, pageOf(webhooks, query)]);
on('DELETE', '/api/v1/webhooks/:id', ['admin'], ({ params }) => {
  const i = webhooks.findIndex((w) => w.id === params.id);
  if (i < 0) throw notFound();
  webhooks.splice(i, 1);
  return [204];
});
on('GET', '/api/v1/webhooks/:id/deliveries', ['admin'], ({ query }) => [200, pageOf([], query)]);

async function api(req, res, url) {
  const parts = url.pathname.split('/').filter(Boolean);
  const match = routes.find((r) => r.method === req.method && r.parts.length === parts.length && r.parts.every((p, i) => p.startsWith(':') || p === parts[i]));
  if (!match) throw notFound(`No route matches ${req.method} ${url.pathname}.`);
  const params = {};
  match.parts.forEach((p, i) => p.startsWith(':') && (params[p.slice(1)] = decodeURIComponent(parts[i])));
  let user = null;
  if (match.roles) {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const a = access.get(token);
    if (!a || a.exp < Date.now()) throw new Problem(401, 'Unauthorized', 'The access token is missing, invalid or expired.');
    user = users.get(a.userId);
    if (match.roles.length && !match.roles.includes(user.role)) throw new Problem(403, 'Forbidden', `This needs the role ${match.roles.join(' or ')}.`);
  }
  let body = {};
  if (req.method !== 'GET' && req.method !== 'DELETE') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString();
    body = raw ? JSON.parse(raw) : {};
  }
  const [status, payload] = await match.handler({ user, params, query: url.searchParams, body });
  res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
  res.end(payload === undefined ? undefined : JSON.stringify(payload));
}

const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

async function staticFile(req, res, url) {
  const path = normalize(join(dist, decodeURIComponent(url.pathname)));
  if (path.startsWith(dist + '/')) {
    const s = await stat(path).catch(() => null);
    if (s?.isFile()) {
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream', 'cache-control': path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache' });
      return res.end(await readFile(path));
    }
  }
  if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
    // The strict policy the console is built to work under (no inline script or style).
    res.writeHead(200, { 'content-type': types['.html'], 'cache-control': 'no-cache', 'content-security-policy': csp });
    return res.end(await readFile(join(dist, 'index.html')));
  }
  throw notFound(`No route matches ${req.method} ${url.pathname}.`);
}

createServer(async (req, res) => {
  const url = new URL(req.url, 'http://preview');
  try {
    if (url.pathname === '/readyz' || url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"status":"ok"}');
    }
    if (url.pathname.startsWith('/api/')) await api(req, res, url);
    else await staticFile(req, res, url);
  } catch (err) {
    const p = err instanceof Problem ? err : new Problem(500, 'Internal error', 'Something went wrong.');
    if (!(err instanceof Problem)) console.error(err);
    res.writeHead(p.status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: `https://helmdesk.dev/problems/${p.title.toLowerCase().replace(/\W+/g, '-')}`, title: p.title, status: p.status, detail: p.detail, ...p.extra }));
  }
}).listen(port, '127.0.0.1', () => console.log(`console preview (fake API) on http://127.0.0.1:${port}`));
