// The local supervisor behind `npm start`: runs every service and the gateway as child processes
// with prefixed logs, prints the URL and how to log in once /readyz is green, and stops
// everything cleanly on Ctrl-C. Expects `npm run build` and a stack (scripts/start.sh does both).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { launchPlatform } = require(resolve(root, 'libs/testkit/dist/launcher.js'));

const env = process.env;
const colors = { auth: 35, case: 36, agent: 33, notification: 32, gateway: 34 };
const quiet = env.HELMDESK_QUIET_REQUESTS !== 'false';

function format(service, line) {
  const tag = `\x1b[${colors[service]}m${service.padEnd(12)}\x1b[0m`;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return `${tag} ${line}`;
  }
  if (quiet && entry.msg === 'request' && ((entry.status < 400 && entry.route !== 'unmatched') || entry.route === '/readyz')) return null;
  const extra =
    entry.msg === 'request'
      ? `${entry.method} ${entry.path} → ${entry.status} ${entry.ms} ms`
      : Object.entries(entry)
          .filter(([k]) => !['level', 'time', 'service', 'name', 'msg', 'pid', 'hostname'].includes(k))
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(' ');
  return `${tag} ${entry.level ?? ''} ${entry.msg ?? ''} ${extra}`.trimEnd();
}

function adminCredentials() {
  const email = env.HELMDESK_ADMIN_EMAIL || 'admin@helmdesk.local';
  if (env.HELMDESK_ADMIN_PASSWORD) return { email, password: env.HELMDESK_ADMIN_PASSWORD, generated: false, fresh: false };
  const file = resolve(root, '.helmdesk/admin-password');
  if (existsSync(file)) return { email, password: readFileSync(file, 'utf8').trim(), generated: true, fresh: false, file };
  mkdirSync(dirname(file), { recursive: true });
  const password = randomBytes(15).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { email, password, generated: true, fresh: true, file };
}

const admin = adminCredentials();
const port = Number(env.HELMDESK_PORT || 8080);
console.log(`helmdesk: starting auth, case, agent, notification and the gateway (port ${port})…`);
const started = Date.now();
let platform;
try {
  platform = await launchPlatform({
    databaseUrl: env.DATABASE_URL,
    kafkaBrokers: env.KAFKA_BROKERS.split(','),
    smtpUrl: env.SMTP_URL,
    adminEmail: admin.email,
    adminPassword: admin.password,
    gatewayPort: port,
    env: {
      LOG_LEVEL: env.LOG_LEVEL || 'info',
      HELMDESK_SUPPORT_INBOX: env.HELMDESK_SUPPORT_INBOX || 'support@localhost',
      HELMDESK_WEBHOOK_ALLOW_PRIVATE: env.HELMDESK_WEBHOOK_ALLOW_PRIVATE || 'false',
    },
    onLine: (service, line) => {
      const out = format(service, line);
      if (out) console.log(out);
    },
  });
} catch (err) {
  console.error(`helmdesk: failed to start: ${err.message}`);
  process.exit(1);
}

const url = `http://localhost:${port}`;
console.log('');
console.log(`helmdesk: ready in ${((Date.now() - started) / 1000).toFixed(1)} s — ${url}  (API ${url}/api/v1, docs ${url}/api/docs)`);
if (admin.fresh) console.log(`helmdesk: log in as ${admin.email} with password ${admin.password}  (printed once; kept in ${admin.file})`);
else if (admin.generated) console.log(`helmdesk: log in as ${admin.email}; the generated password is in ${admin.file}`);
else console.log(`helmdesk: log in as ${admin.email} with HELMDESK_ADMIN_PASSWORD`);
console.log('helmdesk: Ctrl-C stops everything.');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('\nhelmdesk: stopping…');
    await platform.stop();
    console.log('helmdesk: stopped (the stack keeps running: npm run stack:down stops it)');
    process.exit(0);
  });
}
