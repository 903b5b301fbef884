// Launches a whole platform for scripts/schemathesis.sh (real processes from dist/, a fresh database
// and topic prefix, a discarding mail sink), creates a customer with a case, an online agent and
// uses the first admin, then writes one JSON line — {url, tokens: {customer, agent, admin}, ids} —
// to the file given as argument and keeps the platform up until SIGTERM/SIGINT, when it stops it
// and drops the database and topics.
import { writeFileSync } from 'node:fs';
import { finish, newAgent, newCustomer, startPlatform } from '../soak/lib.mjs';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node scripts/schemathesis/launch.mjs <out.json>\n');
  process.exit(2);
}

const env = await startPlatform('schemathesis', {
  // Tokens outlive the whole run (three roles × the time limit).
  serviceEnv: { auth: { JWT_ACCESS_TTL_SECONDS: '7200' } },
});
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await env.stop();
  finish(code);
};
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  const customer = await newCustomer(env, 'fuzz');
  const agent = await newAgent(env, 'fuzz');
  const opened = await customer.client.post('/api/v1/cases', { subject: 'Fuzzing target', description: 'a case to read' });
  writeFileSync(
    out,
    `${JSON.stringify({
      url: env.platform.url,
      tokens: { customer: customer.token, agent: agent.token, admin: env.admin.token },
      ids: { customer: customer.user.id, agent: agent.user.id, case: opened.body.id },
      pids: Object.fromEntries(['gateway', 'auth', 'case', 'agent', 'notification'].map((s) => [s, env.platform.pid(s)])),
      logDir: env.logDir,
    })}\n`,
  );
  process.stderr.write(`schemathesis: platform up at ${env.platform.url} (logs in ${env.logDir})\n`);
} catch (err) {
  process.stderr.write(`schemathesis: could not prepare the platform: ${err.message}\n`);
  await stop(1);
}
