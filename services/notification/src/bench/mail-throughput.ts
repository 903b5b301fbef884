/**
 * Mails per second through the delivery worker vs the SMTP sink's own acceptance rate, in one run.
 *
 *   npx tsc -b services/notification && node services/notification/dist/bench/mail-throughput.js
 *
 * Loopback only: an SMTP sink in a child process (its own CPU, like a real mail server) on a free
 * 127.0.0.1 port, and a throw-away database on the local Postgres (DATABASE_URL, default the local
 * stack). First raw nodemailer sends straight to the sink (same pool size): the baseline hands it
 * the same finished message as the worker does (ADR 0028), and a second pass lets nodemailer
 * compose the text + HTML mail itself, for comparison. Then the same number of queued deliveries
 * go through the worker (claim, compose from projections + template, send, record). Each phase
 * also reports this process's CPU per mail (the sink and Postgres run elsewhere). Prints one
 * JSON line. BENCH_MAILS (default 2000), BENCH_CONCURRENCY (default 10).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { createDatabase, createLogger, migrateToLatest, type Database } from '@helmdesk/platform';
import { buildMessage, parseMailbox } from '../delivery/mime-message';
import { notificationMigrations } from '../migrations';
import { createDeliveryWorker } from '../service';
import { queuedCount } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';

const mails = Number(process.env.BENCH_MAILS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://helmdesk:helmdesk@127.0.0.1:5432/helmdesk';

/** The child: an SMTP server that accepts and discards, reporting its port and count over IPC. */
function runSink(): void {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (m: { count?: boolean }) => {
    if (m.count) process.send?.({ received });
  });
}

interface SinkHandle {
  child: ChildProcess;
  port: number;
  received(): Promise<number>;
}

function startSink(): Promise<SinkHandle> {
  const child = fork(__filename, ['--sink'], { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.once('message', (m: { port: number }) =>
      resolve({
        child,
        port: m.port,
        received: () =>
          new Promise((done) => {
            child.once('message', (r: { received: number }) => done(r.received));
            child.send({ count: true });
          }),
      }),
    );
  });
}

interface Phase {
  ms: number;
  /** This process's CPU (user + system) per mail, in microseconds. */
  cpuUsPerMail: number;
}

async function timed(run: () => Promise<void>): Promise<Phase> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUsPerMail: Math.round((used.user + used.system) / mails) };
}

const from = 'Helmdesk <no-reply@helmdesk.local>';
const sender = parseMailbox(from)!;
const text = 'Hello,\n\nthis is a benchmark mail of about the size of a case notification.\n\n— Helmdesk';
const html = '<p>Hello,</p><p>this is a benchmark mail of about the size of a case notification.</p><p>— Helmdesk</p>';

/** Straight to the sink over a pool: `prebuilt` hands over finished messages, else nodemailer composes them. */
async function rawSends(port: number, prebuilt: boolean): Promise<Phase> {
  const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port, maxConnections: concurrency, maxMessages: 1_000, logger: false });
  const mail = (i: number) => {
    const parts = { to: `customer${i % 50}@example.com`, subject: `Raw mail ${i}`, text, html, messageId: `<raw-${i}@helmdesk.local>` };
    return prebuilt ? buildMessage(sender, { ...parts, date: new Date(), headers: {} }) : { from, ...parts };
  };
  const phase = await timed(async () => {
    await Promise.all(Array.from({ length: mails }, (_, i) => transport.sendMail(mail(i))));
  });
  transport.close();
  return phase;
}

async function withDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `helmdesk_bench_notification_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await run(url.toString());
  } finally {
    await new Promise((r) => setTimeout(r, 200)); // let the closed pool's backends exit first
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

/** Queues `mails` case-opened mails for 50 known customers, as the consumer would. */
async function arrange(database: Database<NotificationDb>): Promise<void> {
  const customers = Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), i }));
  await database.db
    .insertInto('user_projection')
    .values(customers.map((c) => ({ id: c.id, email: `customer${c.i}@example.com`, name: `Customer ${c.i}`, role: 'customer', disabled: false, version_at: new Date() })))
    .execute();
  for (let offset = 0; offset < mails; offset += 500) {
    const batch = Array.from({ length: Math.min(500, mails - offset) }, (_, k) => {
      const customer = customers[(offset + k) % customers.length]!;
      return { caseId: randomUUID(), customer, subject: `Benchmark case ${offset + k}` };
    });
    await database.db
      .insertInto('case_projection')
      .values(
        batch.map((b) => ({
          id: b.caseId,
          customer_id: b.customer.id,
          subject: b.subject,
          priority: 'normal',
          created_at: new Date(),
          status: 'open' as const,
          status_at: new Date(),
          queued_at: new Date(),
          assignee_id: null,
          assigned_at: null,
          resolved_at: null,
          resolution: null,
        })),
      )
      .execute();
    await database.db
      .insertInto('delivery')
      .values(
        batch.map((b) => ({
          event_id: randomUUID(),
          event: 'case.created',
          channel: 'email' as const,
          audience: 'customer',
          recipient: `customer${b.customer.i}@example.com`,
          recipient_user_id: b.customer.id,
          template: 'case.opened.customer',
          context: JSON.stringify({ caseId: b.caseId }),
          last_error: null,
          response_status: null,
          sent_at: null,
          // Not due until the worker starts: the clock starts with everything queued.
          next_attempt_at: sql<Date>`now() + interval '1 hour'`,
        })),
      )
      .execute();
  }
}

async function workerSends(port: number): Promise<Phase> {
  return withDatabase(async (url) => {
    const logger = createLogger('bench', 'warn');
    const database = createDatabase<NotificationDb>({ url, schema: 'notifications', logger, poolMax: concurrency + 5 });
    try {
      await migrateToLatest(database as Database<unknown>, notificationMigrations);
      await arrange(database);
      const worker = createDeliveryWorker(
        {
          SMTP_URL: `smtp://127.0.0.1:${port}`,
          SMTP_FROM: from,
          SMTP_TIMEOUT_MS: 10_000,
          WEBHOOK_TIMEOUT_MS: 10_000,
          HELMDESK_WEBHOOK_ALLOW_PRIVATE: false,
          WEBHOOK_DISABLE_AFTER_FAILURES: 5,
          DELIVERY_MAX_ATTEMPTS: 8,
          DELIVERY_BACKOFF_MS: 1_000,
          DELIVERY_BACKOFF_MAX_MS: 60_000,
          DELIVERY_POLL_MS: 100,
          DELIVERY_CONCURRENCY: concurrency,
        },
        { db: database.db, logger },
      );
      await database.db.updateTable('delivery_queue').set({ next_attempt_at: sql<Date>`now()` }).execute();
      const phase = await timed(async () => {
        worker.start();
        while ((await queuedCount(database.db)) > 0) await new Promise((r) => setTimeout(r, 20));
      });
      await worker.stop();
      const failed = await database.db.selectFrom('delivery').select('id').where('status', '!=', 'sent').execute();
      if (failed.length > 0) throw new Error(`${failed.length} deliveries did not end sent`);
      return phase;
    } finally {
      await database.close();
    }
  });
}

async function main(): Promise<void> {
  const sink = await startSink();
  try {
    const raw = await rawSends(sink.port, true);
    const composed = await rawSends(sink.port, false);
    const worker = await workerSends(sink.port);
    const received = await sink.received();
    const perSecond = ({ ms }: Phase) => Math.round((mails / ms) * 1000);
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'notification-mail-throughput',
        mails,
        concurrency,
        sinkAcceptsPerSecond: perSecond(raw),
        workerMailsPerSecond: perSecond(worker),
        workerVsSink: Math.round((raw.ms / worker.ms) * 100) / 100,
        composedByNodemailerPerSecond: perSecond(composed),
        cpuUsPerMail: { raw: raw.cpuUsPerMail, composedByNodemailer: composed.cpuUsPerMail, worker: worker.cpuUsPerMail },
        rawMs: Math.round(raw.ms),
        workerMs: Math.round(worker.ms),
        sinkReceived: received,
        sinkExpected: 3 * mails,
      })}\n`,
    );
    if (received !== 3 * mails) process.exitCode = 1;
  } finally {
    sink.child.kill();
  }
}

if (process.argv.includes('--sink')) runSink();
else
  main().catch((err: unknown) => {
    process.stderr.write(`mail-throughput: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
