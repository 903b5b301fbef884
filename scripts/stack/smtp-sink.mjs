#!/usr/bin/env node
// Helmdesk local stack: an SMTP server that accepts everything and keeps it as files.
//
//   SMTP_SINK_PORT=1025 SMTP_SINK_DIR=.helmdesk/mail node scripts/stack/smtp-sink.mjs
//
// - Listens on 127.0.0.1 only (SMTP_SINK_HOST to change), plain SMTP, no STARTTLS.
// - AUTH is optional and any user/password is accepted (PLAIN/LOGIN over plain text).
// - Every message is written as <UTC timestamp>-<random>.eml into SMTP_SINK_DIR: first to a
//   hidden temp name in the same folder, then renamed, so a reader never sees half a file.
//   Two headers are prepended so tests can see the envelope (e.g. Bcc recipients):
//   X-Helmdesk-Envelope-From and X-Helmdesk-Envelope-To.
// - One log line per message on stdout; stops cleanly on SIGTERM / SIGINT.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { SMTPServer } from 'smtp-server';

const host = process.env.SMTP_SINK_HOST || '127.0.0.1';
const port = Number(process.env.SMTP_SINK_PORT || process.env.HELMDESK_SMTP_PORT || 1025);
const dir = path.resolve(process.env.SMTP_SINK_DIR || process.env.HELMDESK_MAIL_DIR || '.helmdesk/mail');
const maxSize = Number(process.env.SMTP_SINK_MAX_BYTES || 25 * 1024 * 1024);

const log = (msg) => process.stdout.write(`[${new Date().toISOString()}] smtp-sink: ${msg}\n`);

function stamp() {
  // 20261123T131500123Z: sorts by arrival, safe in file names
  return new Date().toISOString().replace(/[-:]/g, '').replace('.', '');
}

// Counts bytes and remembers the header block, to log the Subject.
class Inspect extends Transform {
  constructor() { super(); this.bytes = 0; this.head = ''; }
  _transform(chunk, _enc, cb) {
    this.bytes += chunk.length;
    if (this.head.length < 16384 && !/\r?\n\r?\n/.test(this.head)) this.head += chunk.toString('latin1', 0, 16384);
    cb(null, chunk);
  }
  subject() {
    const headers = this.head.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
    const m = /^subject:[ \t]*(.*)$/im.exec(headers);
    return m ? m[1].slice(0, 120) : '';
  }
}

await mkdir(dir, { recursive: true });

const server = new SMTPServer({
  name: 'helmdesk-smtp-sink',
  banner: 'Helmdesk SMTP sink (messages are stored, never delivered)',
  secure: false,
  disabledCommands: ['STARTTLS'],
  hideSTARTTLS: true,
  authOptional: true,
  allowInsecureAuth: true,
  authMethods: ['PLAIN', 'LOGIN'],
  size: maxSize,
  logger: false,
  onAuth(auth, _session, callback) {
    callback(null, { user: auth.username || 'anonymous' });
  },
  onData(stream, session, callback) {
    const name = `${stamp()}-${randomBytes(4).toString('hex')}.eml`;
    const tmp = path.join(dir, `.${name}.tmp`);
    const final = path.join(dir, name);
    const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
    const inspect = new Inspect();
    const out = createWriteStream(tmp, { flags: 'wx' });
    out.write(`X-Helmdesk-Envelope-From: <${from}>\r\nX-Helmdesk-Envelope-To: ${to}\r\n`);
    pipeline(stream, inspect, out)
      .then(async () => {
        if (stream.sizeExceeded) {
          await rm(tmp, { force: true });
          log(`rejected message from=<${from}> to=${to}: larger than ${maxSize} bytes`);
          const err = new Error(`Message exceeds fixed maximum message size ${maxSize}`);
          err.responseCode = 552;
          return callback(err);
        }
        await rename(tmp, final);
        log(`stored ${name} from=<${from}> to=${to} bytes=${inspect.bytes} subject=${JSON.stringify(inspect.subject())}`);
        return callback(null, `Stored as ${name}`);
      })
      .catch(async (err) => {
        await rm(tmp, { force: true }).catch(() => {});
        log(`failed to store message from=<${from}>: ${err.message}`);
        callback(Object.assign(new Error('Could not store message'), { responseCode: 451 }));
      });
  },
});

server.on('error', (err) => {
  log(`error: ${err.code || ''} ${err.message}`);
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES') process.exit(1);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: closing`);
  const force = setTimeout(() => { log('close timed out, exiting'); process.exit(0); }, 5000);
  force.unref();
  server.close(() => { log('stopped'); process.exit(0); });
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

server.listen(port, host, () => log(`listening on ${host}:${port}, storing mail in ${dir}`));
