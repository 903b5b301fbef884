// A discarding SMTP server for the platforms the benchmarks, the soak and schemathesis launch
// (forked by scripts/lib/platform.mjs): accepts every mail, counts it, keeps nothing. Reports its
// port, and its count when asked, over IPC.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SMTPServer } = require('smtp-server');

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onAuth(_auth, _session, callback) {
    callback(null, { user: 'load' });
  },
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
process.on('message', (m) => {
  if (m.count) process.send({ received });
});
process.on('disconnect', () => process.exit(0));
