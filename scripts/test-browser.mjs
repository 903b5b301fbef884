// Runs the console's browser tests (test/e2e-browser, node --test + playwright-core + Debian
// Chromium) against a whole platform started for them: a fresh database, its own topic prefix,
// real processes from dist/. Writes the runner's output to the report file given as argument.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const testkit = require(resolve(root, 'libs/testkit/dist/index.js'));
const report = resolve(root, process.argv[2] ?? '.helmdesk/reports/browser.txt');
mkdirSync(dirname(report), { recursive: true });

const db = await testkit.createTestDatabase('browser');
const admin = { email: 'admin@browser.test', password: randomBytes(12).toString('base64url') };
let platform;
let code = 1;
try {
  platform = await testkit.launchPlatform({
    databaseUrl: db.url,
    kafkaBrokers: testkit.stackEnv.kafkaBrokers,
    smtpUrl: testkit.stackEnv.smtpUrl,
    topicPrefix: testkit.uniqueTopicPrefix('browser'),
    adminEmail: admin.email,
    adminPassword: admin.password,
    // Loopback webhooks are allowed so the console's "secret shown once" path runs for real.
    env: { BCRYPT_COST: '4', LOG_LEVEL: 'warn', HELMDESK_WEBHOOK_ALLOW_PRIVATE: 'true' },
    logDir: resolve(root, '.helmdesk/reports/browser-logs'),
  });
  console.log(`browser tests: platform up at ${platform.url}`);
  const out = createWriteStream(report);
  code = await new Promise((res) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', resolve(root, 'test/e2e-browser')], {
      cwd: root,
      env: { ...process.env, HELMDESK_URL: platform.url, HELMDESK_ADMIN_EMAIL: admin.email, HELMDESK_ADMIN_PASSWORD: admin.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [child.stdout, child.stderr]) {
      s.pipe(process.stdout, { end: false });
      s.pipe(out, { end: false });
    }
    child.on('exit', (c) => res(c ?? 1));
  });
  out.end();
} catch (err) {
  console.error(`browser tests: ${err.message}`);
} finally {
  await platform?.stop();
  await db.drop().catch(() => undefined);
}
process.exit(code);
