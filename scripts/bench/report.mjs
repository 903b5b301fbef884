// Turns the JSON lines of one `npm run bench` into the markdown block pasted into BENCHMARKS.md
// (stdout), and a few summary lines (stderr).
//
//   node scripts/bench/report.mjs <results.jsonl>
//   node scripts/bench/report.mjs --spread <results.jsonl>…   (key figures of several runs, one row each)
//   node scripts/bench/report.mjs --machine-line     (prints a `machine` JSON line: load now)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { machine } from './lib.mjs';

if (process.argv[2] === '--machine-line') {
  process.stdout.write(`${JSON.stringify({ benchmark: 'machine', at: new Date().toISOString(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100), ...machine() })}\n`);
  process.exit(0);
}

function readLines(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    })
    .filter(Boolean)
    .map((l) => (l.benchmark === undefined && l.bench !== undefined ? { benchmark: l.bench, ...l } : l));
}

/** Cores used by processes outside the benchmark during a run (machine busy − ours − irq). */
function otherCores(cpu) {
  if (!cpu) return null;
  const ours = Object.entries(cpu)
    .filter(([k]) => !['wallS', 'machineBusy', 'machineCapacity', 'machineIrq', 'machineSteal'].includes(k))
    .reduce((s, [, v]) => s + v, 0) + (cpu.machineIrq ?? 0);
  return Math.max(0, Math.round(((cpu.machineBusy - ours) / cpu.wallS) * 10) / 10);
}

if (process.argv[2] === '--spread') {
  const rows = [
    '| run started (UTC) | gateway ÷ bare Express (req/s) | hop p99 sat. / equal load | open case peak ÷ pgbench (req/s, tps) | write path alone | p99 at half peak: autocannon / paced | assignment p50 / p99 at 20/s | at 200/s | agent consumer events/s | Kafka alone p50 / p99 | logins/s | mails/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const o = (c) => (c === null || c === undefined ? '' : ` [${c}]`);
  for (const file of process.argv.slice(3)) {
    const L = readLines(file);
    const get = (n) => L.filter((l) => l.benchmark === n && !l.error).at(-1);
    const h = get('gateway-hop-summary');
    const gw = L.filter((l) => l.benchmark === 'gateway-hop' && l.target === 'gateway').at(-1);
    const oc = get('open-case-summary');
    const pk = get('open-case-peak');
    const wp = get('open-case-peak-write-path');
    const lo = get('assignment-latency-low-rate');
    const a = get('assignment-latency');
    const k = get('kafka-latency-kafkajs');
    const lg = get('auth-login');
    const m = get('notification-mail-throughput');
    const at = L.find((l) => l.benchmark === 'machine')?.at ?? file;
    rows.push(
      `| ${at.slice(11, 16)} | ${h ? `${Math.round(h.gatewayVsBare * 1000) / 10} % (${h.gatewayReqPerSec} / ${h.bareReqPerSec})${o(otherCores(gw?.cpuSeconds))}` : '–'} | ${h ? `${h.hopP99Ms} / ${h.hopP99MsEqualLoad ?? '–'} ms` : '–'} | ${oc ? `${Math.round(oc.peakVsPgbench * 1000) / 10} % (${oc.peakReqPerSec} / ${oc.pgbenchTps})${o(otherCores(pk?.cpuSeconds))}` : '–'} | ${wp ? `${wp.reqPerSec}${o(otherCores(wp.cpuSeconds))}` : '–'} | ${oc ? `${oc.halfP99Ms} / ${oc.halfPacedP99Ms} ms` : '–'} | ${lo ? `${lo.p50Ms} / ${lo.p99Ms} ms${o(otherCores(lo.cpuSeconds))}` : '–'} | ${a ? `${a.p50Ms} / ${a.p99Ms} ms${o(otherCores(a.cpuSeconds))}` : '–'} | ${a?.pipeline?.agentConsumerEventsPerSec ?? '–'} | ${k ? `${k.plain.p50} / ${k.plain.p99} ms` : '–'} | ${lg?.loginsPerSecond ?? '–'} | ${m?.workerMailsPerSecond ?? '–'} |`,
    );
  }
  process.stdout.write(`${rows.join('\n')}\n\n[x]: cores used by processes outside the benchmark during that measurement.\n`);
  process.exit(0);
}

const lines = readLines(process.argv[2]);
const all = (name) => lines.filter((l) => l.benchmark === name && !l.error);
/** ": <error>" of a failed step (run.mjs) or service benchmark (bench.sh), or nothing. */
const failure = (step) => {
  const f = lines.filter((l) => (l.benchmark === 'failed' && l.step === step) || (l.benchmark === step && (l.error || l.skipped))).at(-1);
  return f ? `: ${f.error ?? f.skipped}` : '';
};
const one = (name) => all(name).at(-1);

const ms = (v) => (v === null || v === undefined ? '–' : `${v} ms`);
const pct = (v) => (v === null || v === undefined ? '–' : `${Math.round(v * 1000) / 10} %`);
const met = (ok) => (ok === undefined ? '–' : ok ? '**met**' : '**not met**');

const machineKeys = ['wallS', 'machineBusy', 'machineCapacity', 'machineIrq', 'machineSteal'];

/** CPU the other processes of the machine used during a run, in cores (machine busy − ours − irq). */
function others(cpu) {
  if (!cpu) return null;
  const ours = Object.entries(cpu)
    .filter(([k]) => !machineKeys.includes(k))
    .reduce((s, [, v]) => s + v, 0) + (cpu.machineIrq ?? 0);
  return {
    busy: Math.round((cpu.machineBusy / cpu.wallS) * 100) / 100,
    others: Math.round(((cpu.machineBusy - ours) / cpu.wallS) * 100) / 100,
  };
}
const loadNote = (cpu) => {
  const o = others(cpu);
  if (!o) return '';
  const steal = cpu.machineSteal ? `, hypervisor steal ${Math.round((cpu.machineSteal / cpu.wallS) * 100) / 100}` : '';
  return `machine busy ${o.busy} of ${Math.round(cpu.machineCapacity / cpu.wallS)} cores, of which ${Math.max(0, o.others)} by processes outside the benchmark${steal}`;
};

const out = [];
const w = (s = '') => out.push(s);
const machines = all('machine');
const m = machines[0] ?? {};
w('```');
w('npm run bench        # bash scripts/bench.sh');
w('```');
w();
w(`Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}; run ${m.at ?? '?'} → ${machines.at(-1)?.at ?? '?'};`);
w(`load average ${machines.map((x) => x.loadavg?.join(' / ')).join(' at start, ')} at end (1/5/15 min). Everything on loopback: load generator, services, Postgres, Kafka.`);
w();

// 1. Gateway hop
const hop = all('gateway-hop');
const hopSum = one('gateway-hop-summary');
const hopPaced = one('gateway-hop-paced');
w('### 1. Gateway hop — `GET /api/v1/cases/:id` (issue 4)');
w();
if (hopSum) {
  w(`autocannon, ${hop[0]?.connections} connections, ${hop[0]?.durationS} s each after a warm-up, one after the other in one run.`);
  w();
  w('| target | req/s | p50 | p99 | CPU per request |');
  w('|---|---:|---:|---:|---|');
  const label = { 'bare-express': 'bare Express `hello` (own process) — baseline', 'case-direct': 'case service port, straight', gateway: 'through the gateway' };
  const cpuPer = {
    'bare-express': `hello ${hopSum.cpuMsPerRequest.bareHello} ms`,
    'case-direct': `case ${hopSum.cpuMsPerRequest.directCase} ms`,
    gateway: `gateway ${hopSum.cpuMsPerRequest.gatewayGateway} ms + case ${hopSum.cpuMsPerRequest.gatewayCase} ms + Postgres ${hopSum.cpuMsPerRequest.gatewayPostgres} ms`,
  };
  for (const h of hop) w(`| ${label[h.target]} | ${h.reqPerSec} | ${ms(h.p50Ms)} | ${ms(h.p99Ms)} | ${cpuPer[h.target]} |`);
  w();
  if (hopPaced) {
    w(`At equal load (${hopPaced.ratePerSec} req/s to each, paced, interleaved request by request, ${hopPaced.seconds} s): direct p50 ${ms(hopPaced.direct.p50Ms)} / p99 ${ms(hopPaced.direct.p99Ms)}, gateway p50 ${ms(hopPaced.gateway.p50Ms)} / p99 ${ms(hopPaced.gateway.p99Ms)}${hopPaced.cpuSeconds ? `; ${loadNote(hopPaced.cpuSeconds)}` : ''}.`);
    w();
  }
  w(`- Gateway ÷ bare Express: **${pct(hopSum.gatewayVsBare)}** (goal ≥ 40 %): ${met(hopSum.goalThroughputMet)}. Gateway ÷ direct: ${pct(hopSum.gatewayVsDirect)}.`);
  w(`- Hop at p99 (gateway p99 − direct p99, same 20 connections): **${ms(hopSum.hopP99Ms)}** (goal ≤ 5 ms): ${met(hopSum.goalHopMet)}. At equal load: ${ms(hopSum.hopP99MsEqualLoad)} at p99, ${ms(hopSum.hopP50MsEqualLoad)} at p50.`);
  const gwLine = hop.find((h) => h.target === 'gateway');
  if (gwLine) w(`- During the gateway run: ${loadNote(gwLine.cpuSeconds)}.`);
} else w(`not run${failure('gateway-hop')}`);
w();

// 2. Logins
w('### 2. Logins per second (issue 4) — `services/auth/dist/bench/login.js`');
w();
const login = one('auth-login');
if (login) {
  w('| path | logins/s | p50 | p99 |');
  w('|---|---:|---:|---:|');
  w(`| \`POST /api/v1/auth/login\` through the auth service's HTTP app, bcrypt cost ${login.bcryptCost}, ${login.loadConcurrency ?? login.concurrency} concurrent clients, ${login.secondsPerPhase} s | **${login.loginsPerSecond}** | ${ms(login.loginP50Ms)} | ${ms(login.loginP99Ms)} |`);
  if (login.loginsPerSecondAtPoolConcurrency !== undefined) {
    w(`| same, ${login.concurrency} concurrent clients (= the thread pool: each sign-in's database steps leave its bcrypt thread idle) | ${login.loginsPerSecondAtPoolConcurrency} | ${ms(login.loginAtPoolP50Ms)} | ${ms(login.loginAtPoolP99Ms)} |`);
  }
  w(`| baseline: \`bcrypt.compare\` alone, same cost, ${login.concurrency} at once (the thread pool's size: more cannot go faster) | ${login.bcryptComparesPerSecond} | ${ms(login.compareP50Ms)} | – |`);
  w();
  w(`- Logins ÷ bare bcrypt: **${pct(login.ratio)}** (goal ≥ 80 %): ${met(login.ratio >= 0.8)}; ${login.logins} logins, ${login.loginErrors} errors.`);
} else w(`not run${failure('login')}`);
w();

// 3. Open case
const peak = one('open-case-peak');
const half = one('open-case-half-rate');
const pgb = one('open-case-pgbench');
const oc = one('open-case-summary');
w('### 3. Opening cases — `POST /api/v1/cases` through the gateway (issue 5)');
w();
if (peak) {
  w('| run | rate | p50 | p99 |');
  w('|---|---:|---:|---:|');
  w(`| peak: autocannon, ${peak.connections} connections, ${peak.durationS} s | **${peak.reqPerSec} req/s** | ${ms(peak.p50Ms)} | ${ms(peak.p99Ms)} |`);
  const lone = one('open-case-peak-write-path');
  if (lone) w(`| peak, agent and notification services stopped (the write path alone on the same cores) | ${lone.reqPerSec} req/s | ${ms(lone.p50Ms)} | ${ms(lone.p99Ms)} |`);
  if (half) {
    w(`| half the peak: autocannon \`overallRate\` (each second's quota sent in a burst), fresh platform | ${half.ratePerSec} req/s | ${ms(half.autocannon.p50Ms)} | **${ms(half.autocannon.p99Ms)}** |`);
    w(`| half the peak, paced evenly (open loop), ${half.paced.seconds} s | ${half.ratePerSec} req/s | ${ms(half.paced.p50Ms)} | ${ms(half.paced.p99Ms)} |`);
  }
  if (pgb) w(`| baseline: pgbench \`-n -c ${pgb.clients} -j ${pgb.threads} -T ${pgb.seconds}\`, same statement, same database | **${pgb.tps} tps** | avg ${ms(pgb.latencyAvgMs)} | – |`);
  const pgp = one('open-case-pgbench-paced');
  if (pgp) w(`| baseline at the half rate: pgbench \`-R ${pgp.ratePerSec} -c ${pgb?.clients ?? 20} -T 5\` (paced, latency from the scheduled start), same statement | ${pgp.ratePerSec} tps | ${ms(pgp.p50Ms)} | ${ms(pgp.p99Ms)} |`);
  w();
  if (oc) {
    w(`- Peak ÷ pgbench: **${pct(oc.peakVsPgbench)}** (goal ≥ 20 %): ${met(oc.goalThroughputMet)}.`);
    w(`- p99 at half the peak: **${ms(oc.halfP99Ms)}** (autocannon), ${ms(oc.halfPacedP99Ms)} (paced) (goal ≤ 30 ms): ${met(oc.goalLatencyMet)}.`);
  }
  const cpuLine = (r) =>
    `${loadNote(r.cpuSeconds)}; CPU ms per opened case: ${Object.entries(r.cpuSeconds)
      .filter(([k]) => !machineKeys.includes(k))
      .map(([k, v]) => `${k} ${Math.round((v * 10000) / r.requests) / 10}`)
      .join(', ')} (Postgres: the benchmark database's backends; Kafka: the whole broker)`;
  w(`- During the peak: ${cpuLine(peak)}.`);
  const loneRun = one('open-case-peak-write-path');
  if (loneRun) w(`- During the write-path-only peak: ${cpuLine(loneRun)}.`);
} else w(`not run${failure('open-case')}`);
w();

// 4. Assignment latency
/** Kafka alone on the same broker: the baseline of benchmark 4 (also shown when it ran alone). */
function kafkaBaseline() {
  w('Baseline, Kafka alone on the same broker:');
  w();
  w('| path | p50 | p99 | max |');
  w('|---|---:|---:|---:|');
  if (kj) {
    w(`| kafkajs produce → consume, ${kj.ratePerSec} msg/s, ${kj.messageBytes} B, acks=all, idempotent (as the platform) | ${ms(kj.plain.p50)} | ${ms(kj.plain.p99)} | ${ms(kj.plain.max)} |`);
    w(`| same, the consumer committing after each message (the platform before ADRs 0018 and 0022) | ${ms(kj.commitPerMessage.p50)} | ${ms(kj.commitPerMessage.p99)} | ${ms(kj.commitPerMessage.max)} |`);
  }
  const kafkaNote = kj?.cpuSeconds ? ` (kafkajs run: ${loadNote(kj.cpuSeconds)})` : '';
  if (tool?.p50Ms !== undefined) w(`| Kafka's \`EndToEndLatency\` tool, ${tool.records} records one at a time, acks=all (whole ms) | ${ms(tool.p50Ms)} | ${ms(tool.p99Ms)} | p99.9 ${ms(tool.p999Ms)} |`);
  else if (tool) w(`| Kafka's \`EndToEndLatency\` tool | ${tool.skipped ?? tool.failed} | | |`);
  if (kafkaNote) {
    w();
    w(`Kafka baseline${kafkaNote.replace(' (kafkajs run: ', ', kafkajs run: ').replace(/\)$/, '')}.`);
  }
}

const lat = one('assignment-latency');
const low = one('assignment-latency-low-rate');
const noMail = one('assignment-latency-without-notification');
const kj = one('kafka-latency-kafkajs');
const tool = one('kafka-latency-tool');
w('### 4. `case.created` → `case.assigned` latency (issue 5)');
w();
if (lat) {
  w(`Cases opened through the gateway at a fixed rate (open loop), ${lat.agents} online agents of capacity ${lat.capacity} (room for every case). Latency = \`case.assigned\` record timestamp − \`case.created\` event time, for every case.`);
  w();
  const runs = [low, lat, noMail].filter(Boolean);
  const title = (r) => `${r.ratePerSec} cases/s × ${r.seconds} s${r === lat ? ' (goal rate)' : r === noMail ? ', notification service stopped' : ''}`;
  w(`| | ${runs.map(title).join(' | ')} |`);
  w(`|---|${runs.map(() => '---:').join('|')}|`);
  const row = (name, f) => w(`| ${name} | ${runs.map(f).join(' | ')} |`);
  row('**case.created → case.assigned p50 / p99**', (r) => `**${ms(r.p50Ms)} / ${ms(r.p99Ms)}**`);
  row('… case transaction → outbox relay → Kafka', (r) => `${ms(r.parts.caseRelay.p50)} / ${ms(r.parts.caseRelay.p99)}`);
  row('… Kafka → agent handler starts (fetch + queue in the consumer)', (r) => `${ms(r.parts.toAgentHandler.p50)} / ${ms(r.parts.toAgentHandler.p99)}`);
  row('… agent transaction → outbox relay → Kafka', (r) => `${ms(r.parts.agentTxAndRelay.p50)} / ${ms(r.parts.agentTxAndRelay.p99)}`);
  row('cases assigned / opened / sent', (r) => `${r.assigned} / ${r.opened ?? r.cases} / ${r.cases}${r.statuses && Object.keys(r.statuses).some((k) => k !== '201') ? ` (answers: ${Object.entries(r.statuses).map(([k, v]) => `${v} × ${k}`).join(', ')})` : ''}`);
  row('POST /api/v1/cases answered, p50 / p99', (r) => `${ms(r.httpOpenCase.p50)} / ${ms(r.httpOpenCase.p99)}`);
  row('cases opened per second (POSTs sent at the rate)', (r) => `${r.answeredRatePerSec}`);
  row('agent consumer: case.created taken per second', (r) => `${r.pipeline?.agentConsumerEventsPerSec ?? '–'}`);
  row('agent consumer: interval between events p50', (r) => ms(r.pipeline?.agentConsumerIntervalMs.p50));
  row('outbox row written → marked published p50 / p99: case, agent (the mark waits up to 20 ms for the next batch, ADR 0025)', (r) => `${ms(r.pipeline?.caseOutboxWaitMs.p50)} / ${ms(r.pipeline?.caseOutboxWaitMs.p99)}, ${ms(r.pipeline?.agentOutboxWaitMs.p50)} / ${ms(r.pipeline?.agentOutboxWaitMs.p99)}`);
  row('agent DB connections in a transaction (mean)', (r) => {
    const a = r.postgresActivity?.meanConnectionsByState?.agent ?? {};
    return `${Math.round(((a['idle in transaction'] ?? 0) + (a.active ?? 0)) * 100) / 100} (${a['idle in transaction'] ?? 0} waiting for the service)`;
  });
  row('CPU per case: 5 services + their Postgres backends (Kafka not counted)', (r) => ms(r.cpuMsPerCase));
  row('… by service: gateway, case, agent, notification, Postgres', (r) =>
    ['gateway', 'case', 'agent', 'notification', 'postgres'].map((k) => Math.round((r.cpuSeconds[k] * 10000) / r.cases) / 10).join(', '),
  );
  row('… until every consumer caught up and every mail was sent (seconds after the load began)', (r) =>
    r.untilSettled ? `${ms(r.untilSettled.cpuMsPerCase)} (${r.untilSettled.seconds} s)` : '–',
  );
  row('machine', (r) => loadNote(r.cpuSeconds));
  w();
  kafkaBaseline();
  w();
  w(`- Goal p50 ≤ 15 ms, p99 ≤ 50 ms at ${lat.ratePerSec} cases/s: ${met(lat.goalMet)}${low ? `; at ${low.ratePerSec}/s: p50 ${ms(low.p50Ms)}, p99 ${ms(low.p99Ms)}` : ''}${noMail ? `; at ${noMail.ratePerSec}/s without the notification service: p50 ${ms(noMail.p50Ms)}, p99 ${ms(noMail.p99Ms)}` : ''}.`);
} else {
  w(`not run${failure('assignment-latency')}`);
  if (kj || tool) {
    w();
    kafkaBaseline();
  }
}
w();

// 5. Mails
const mail = one('notification-mail-throughput');
w('### 5. Mails per second (issue 6) — `services/notification/dist/bench/mail-throughput.js`');
w();
if (mail) {
  w('| path | mails/s |');
  w('|---|---:|');
  w(`| delivery worker (claim, compose, send, record), ${mail.mails} mails, concurrency ${mail.concurrency} | **${mail.workerMailsPerSecond}** |`);
  w(`| baseline: raw nodemailer pool straight to the sink, the same finished message | ${mail.sinkAcceptsPerSecond} |`);
  if (mail.composedByNodemailerPerSecond) w(`| the same pool, nodemailer composing the text + HTML mail itself (before ADR 0028) | ${mail.composedByNodemailerPerSecond} |`);
  w();
  w(`- Worker ÷ raw: ${pct(mail.workerVsSink)}; the sink received ${mail.sinkReceived} of ${mail.sinkExpected ?? 2 * mail.mails}.`);
  if (mail.cpuUsPerMail) w(`- CPU per mail in the sending process: raw ${mail.cpuUsPerMail.raw} µs, nodemailer composing ${mail.cpuUsPerMail.composedByNodemailer} µs, the worker ${mail.cpuUsPerMail.worker} µs (claim, compose, send, record; Postgres and the sink not counted).`);
} else w(`not run${failure('mail-throughput')}`);
w();

process.stdout.write(`${out.join('\n')}\n`);

// Summary for the terminal.
const s = [];
if (hopSum) s.push(`gateway hop: ${hopSum.gatewayReqPerSec} req/s = ${pct(hopSum.gatewayVsBare)} of bare Express (goal 40 %: ${hopSum.goalThroughputMet ? 'met' : 'not met'}); hop p99 ${ms(hopSum.hopP99Ms)} (goal 5 ms: ${hopSum.goalHopMet ? 'met' : 'not met'}), ${ms(hopSum.hopP99MsEqualLoad)} at equal load`);
if (login) s.push(`logins: ${login.loginsPerSecond}/s vs bcrypt alone ${login.bcryptComparesPerSecond}/s = ${pct(login.ratio)} (goal 80 %: ${login.ratio >= 0.8 ? 'met' : 'not met'})`);
if (oc) s.push(`open case: peak ${oc.peakReqPerSec} req/s = ${pct(oc.peakVsPgbench)} of pgbench ${oc.pgbenchTps} tps (goal 20 %: ${oc.goalThroughputMet ? 'met' : 'not met'}); p99 at ${oc.halfRatePerSec}/s ${ms(oc.halfP99Ms)} (goal 30 ms: ${oc.goalLatencyMet ? 'met' : 'not met'})`);
if (lat) s.push(`assignment latency at ${lat.ratePerSec}/s: p50 ${ms(lat.p50Ms)}, p99 ${ms(lat.p99Ms)} (goal 15/50 ms: ${lat.goalMet ? 'met' : 'not met'})${low ? `; at ${low.ratePerSec}/s: p50 ${ms(low.p50Ms)}, p99 ${ms(low.p99Ms)}` : ''}${noMail ? `; without notification p50 ${ms(noMail.p50Ms)}, p99 ${ms(noMail.p99Ms)}` : ''}; Kafka alone p50 ${ms(kj?.plain.p50)}, p99 ${ms(kj?.plain.p99)}`);
if (mail) s.push(`mails: ${mail.workerMailsPerSecond}/s through the worker vs ${mail.sinkAcceptsPerSecond}/s raw`);
for (const e of lines.filter((l) => l.error || l.failed)) s.push(`FAILED ${e.step ?? e.benchmark}: ${e.error ?? e.failed}`);
process.stderr.write(`${s.map((x) => `bench: ${x}`).join('\n')}\n`);
