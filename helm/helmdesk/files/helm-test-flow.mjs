// helm test: one real flow through the gateway, run by the Helmdesk image's own node.
// Registers a customer, logs in, opens a case and reads it back (API.md contract).
import { randomUUID } from 'node:crypto';

const base = process.env.HELMDESK_URL.replace(/\/$/, '');
const deadline = Date.now() + Number(process.env.HELMDESK_TEST_TIMEOUT_MS || 180000);

async function call(method, path, { body, token } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, body: json, text };
}

function expect(step, res, status, check = () => true) {
  if (res.status !== status || !check(res.body)) {
    console.error(`FAIL ${step}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
    process.exit(1);
  }
  console.log(`ok   ${step} (${res.status})`);
  return res.body;
}

async function waitReady() {
  for (;;) {
    try {
      const res = await call('GET', '/readyz');
      if (res.status === 200) return console.log('ok   gateway ready');
      console.log(`wait gateway /readyz answered ${res.status}`);
    } catch (err) {
      console.log(`wait gateway not reachable: ${err.message}`);
    }
    if (Date.now() > deadline) {
      console.error(`FAIL gateway not ready at ${base}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

await waitReady();
const email = `helm-test-${randomUUID()}@example.com`;
const password = `pw-${randomUUID()}`;
const user = expect('register a customer', await call('POST', '/api/v1/auth/register', {
  body: { email, password, name: 'Helm Test' },
}), 201, (b) => b && b.email === email && b.role === 'customer');
const login = expect('log in', await call('POST', '/api/v1/auth/login', {
  body: { email, password },
}), 200, (b) => b && typeof b.accessToken === 'string' && b.user && b.user.id === user.id);
const subject = `helm test ${new Date().toISOString()}`;
const created = expect('open a case', await call('POST', '/api/v1/cases', {
  token: login.accessToken,
  body: { subject, description: 'Opened by helm test through the gateway.', priority: 'normal' },
}), 201, (b) => b && typeof b.id === 'string' && b.status === 'open' && b.customerId === user.id);
expect('read the case back', await call('GET', `/api/v1/cases/${created.id}`, {
  token: login.accessToken,
}), 200, (b) => b && b.id === created.id && b.subject === subject);
expect('refuse it without a token', await call('GET', `/api/v1/cases/${created.id}`), 401);
console.log('helm test passed');
