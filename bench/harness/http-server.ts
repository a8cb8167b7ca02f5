/**
 * The benchmark's HTTP server, run in its own process (forked by the harness) so it
 * has its own event loop: a minimal node:http server on 127.0.0.1 that reads the
 * request body and answers every POST with the same small JSON order. It keeps no
 * state per request, so every client variant costs the server the same.
 *
 * Protocol: sends `{ port }` over IPC once listening; exits on SIGTERM or when the
 * parent disconnects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let served = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    served++;
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'application/json' }).end('{"code":-1,"message":"method not allowed"}');
      return;
    }
    const body = JSON.stringify({ orderId: served, status: 'FILLED', bytesReceived: Buffer.concat(chunks).length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
// Keep-alive sockets stay open between the client's warm-up and its timed phase.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
