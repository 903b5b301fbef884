#!/usr/bin/env node
// Helmdesk local stack: is the Kafka broker really ready?
//
//   node scripts/stack/kafka-probe.mjs <host> <port> [--quick]   (--quick: step 1 only)
//
// Speaks the Kafka wire protocol directly (no client library, so it works before
// `npm install`), using only request versions that Kafka 4.x still accepts (KIP-896):
//   1. Metadata v4: the broker answers and lists itself as an available (unfenced) broker.
//   2. FindCoordinator v1 (key type GROUP): makes the broker create and load
//      __consumer_offsets, so the first consumer group of a test run does not bounce off
//      COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE.
//   3. OffsetFetch v2 on that coordinator: the group coordinator answers without error.
//   4. InitProducerId v1 without a transactional id (what an idempotent producer sends first):
//      the broker has its first block of producer ids, so the first idempotent producer does
//      not bounce off COORDINATOR_LOAD_IN_PROGRESS either. (Uses up one producer id.)
// One attempt per run: exit 0 when ready, exit 1 with a one-line reason otherwise.
import net from 'node:net';

const [host = '127.0.0.1', portArg = '9092', ...flags] = process.argv.slice(2);
const port = Number(portArg);
const checkGroup = !flags.includes('--quick');
const ATTEMPT_TIMEOUT_MS = 3000;
const CLIENT_ID = 'helmdesk-stack-probe';

const ERRORS = { 14: 'COORDINATOR_LOAD_IN_PROGRESS', 15: 'COORDINATOR_NOT_AVAILABLE', 16: 'NOT_COORDINATOR' };

function str(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  return Buffer.concat([len, b]);
}
function i8(n) { const b = Buffer.alloc(1); b.writeInt8(n); return b; }
function i16(n) { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; }
function i32(n) { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }

class Reader {
  constructor(buf) { this.buf = buf; this.off = 0; }
  i8() { const v = this.buf.readInt8(this.off); this.off += 1; return v; }
  i16() { const v = this.buf.readInt16BE(this.off); this.off += 2; return v; }
  i32() { const v = this.buf.readInt32BE(this.off); this.off += 4; return v; }
  i64() { const v = this.buf.readBigInt64BE(this.off); this.off += 8; return v; }
  str() { const n = this.i16(); if (n < 0) return null; const v = this.buf.toString('utf8', this.off, this.off + n); this.off += n; return v; }
}

// Minimal request/response connection (non-flexible request header v1, response header v0).
function connect(h, p) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ host: h, port: p });
    sock.setNoDelay(true);
    let pending = null;
    let acc = Buffer.alloc(0);
    let correlation = 0;
    sock.on('data', (chunk) => {
      acc = Buffer.concat([acc, chunk]);
      while (acc.length >= 4) {
        const size = acc.readInt32BE(0);
        if (acc.length < 4 + size) break;
        const frame = acc.subarray(4, 4 + size);
        acc = acc.subarray(4 + size);
        const r = new Reader(frame);
        const cid = r.i32();
        if (pending && pending.cid === cid) { const p2 = pending; pending = null; p2.resolve(r); }
      }
    });
    sock.on('error', (e) => { if (pending) pending.reject(e); reject(e); });
    sock.on('close', () => { if (pending) pending.reject(new Error('connection closed by broker')); });
    sock.on('connect', () => resolve({
      request(apiKey, apiVersion, body) {
        correlation += 1;
        const payload = Buffer.concat([i16(apiKey), i16(apiVersion), i32(correlation), str(CLIENT_ID), body]);
        return new Promise((res, rej) => {
          pending = { cid: correlation, resolve: res, reject: rej };
          sock.write(Buffer.concat([i32(payload.length), payload]));
        });
      },
      close() { sock.destroy(); },
    }));
  });
}

async function metadata(conn) {
  // Metadata v4: topics = [] (none), allow_auto_topic_creation = false
  const r = await conn.request(3, 4, Buffer.concat([i32(0), i8(0)]));
  r.i32(); // throttle_time_ms
  const brokers = [];
  for (let n = r.i32(); n > 0; n -= 1) {
    const nodeId = r.i32(); const bhost = r.str(); const bport = r.i32(); r.str();
    brokers.push({ nodeId, host: bhost, port: bport });
  }
  const clusterId = r.str();
  const controllerId = r.i32();
  return { brokers, clusterId, controllerId };
}

async function findGroupCoordinator(conn, group) {
  // FindCoordinator v1: key, key_type (0 = group)
  const r = await conn.request(10, 1, Buffer.concat([str(group), i8(0)]));
  r.i32(); // throttle
  const errorCode = r.i16(); const message = r.str();
  const nodeId = r.i32(); const chost = r.str(); const cport = r.i32();
  return { errorCode, message, nodeId, host: chost, port: cport };
}

async function initProducerId(conn) {
  // InitProducerId v1: transactional_id = null, transaction_timeout_ms
  const r = await conn.request(22, 1, Buffer.concat([i16(-1), i32(60000)]));
  r.i32(); // throttle
  return r.i16();
}

async function offsetFetch(conn, group) {
  // OffsetFetch v2: group_id, topics = null (all)
  const r = await conn.request(9, 2, Buffer.concat([str(group), i32(-1)]));
  for (let t = r.i32(); t > 0; t -= 1) {
    r.str();
    for (let p = r.i32(); p > 0; p -= 1) { r.i32(); r.i64(); r.str(); r.i16(); }
  }
  return r.i16();
}

function fail(reason) {
  process.stdout.write(`not ready: ${reason}\n`);
  process.exit(1);
}

const timer = setTimeout(() => fail(`no answer within ${ATTEMPT_TIMEOUT_MS} ms`), ATTEMPT_TIMEOUT_MS);
try {
  const conn = await connect(host, port);
  const md = await metadata(conn);
  if (md.brokers.length === 0) fail('metadata lists no available broker yet');
  if (checkGroup) {
    const group = 'helmdesk-stack-probe';
    const fc = await findGroupCoordinator(conn, group);
    if (fc.errorCode !== 0) fail(`FindCoordinator: ${ERRORS[fc.errorCode] ?? fc.errorCode}${fc.message ? ` (${fc.message})` : ''}`);
    let coord = conn;
    const self = md.brokers.find((b) => b.host === host && b.port === port);
    if (!self || self.nodeId !== fc.nodeId) coord = await connect(fc.host, fc.port);
    const err = await offsetFetch(coord, group);
    if (err !== 0) fail(`OffsetFetch: ${ERRORS[err] ?? err}`);
    if (coord !== conn) coord.close();
    const pidErr = await initProducerId(conn);
    if (pidErr !== 0) fail(`InitProducerId: ${ERRORS[pidErr] ?? pidErr}`);
  }
  conn.close();
  clearTimeout(timer);
  process.stdout.write(`ready: cluster ${md.clusterId}, brokers ${md.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',')}, controller ${md.controllerId}\n`);
  process.exit(0);
} catch (e) {
  fail(e && e.code ? `${e.code} ${e.message}` : String(e && e.message ? e.message : e));
}
