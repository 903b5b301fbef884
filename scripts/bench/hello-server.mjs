// The baseline of the gateway-hop benchmark: a bare Express app answering `GET /hello` with a
// small JSON body, in its own process (forked by gateway-hop.mjs), on a free loopback port.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');

const app = express();
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
server.keepAliveTimeout = 65_000;
process.on('disconnect', () => process.exit(0));
