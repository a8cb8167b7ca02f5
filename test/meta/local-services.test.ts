/**
 * The probes of test/helpers/local-services.ts, which decide whether the store suites
 * find PostgreSQL and Redis at their default addresses: each must say yes only to a
 * server that really answers, and say why not otherwise, within its timeout.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probePostgres, probeRedis } from '../helpers/local-services.js';
import { DATABASE_URL } from '../helpers/postgres.js';
import { freePort } from '../helpers/redis.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A TCP server on 127.0.0.1 that hands each connection to `onConnection`; resolves to its port. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('probeRedis', () => {
  it('accepts a server that answers PING with +PONG, even in pieces', async () => {
    const port = await tcpServer((socket) =>
      socket.once('data', () => {
        socket.write('+PO');
        setImmediate(() => socket.write('NG\r\n'));
      }),
    );
    await expect(probeRedis(`redis://127.0.0.1:${port}`)).resolves.toBeUndefined();
  });

  it('refuses a server that answers PING with an error, and says what came', async () => {
    const port = await tcpServer((socket) => socket.once('data', () => socket.write('-NOAUTH Authentication required.\r\n')));
    await expect(probeRedis(`redis://127.0.0.1:${port}`)).resolves.toMatch(/answered PING with "-NOAUTH Authentication required\."/);
  });

  it('refuses an address where nothing listens', async () => {
    const port = await freePort();
    await expect(probeRedis(`redis://127.0.0.1:${port}`)).resolves.toMatch(/ECONNREFUSED/);
  });

  it('refuses a server that accepts the connection and never answers, after its timeout', async () => {
    const port = await tcpServer(() => undefined);
    await expect(probeRedis(`redis://127.0.0.1:${port}`, 50)).resolves.toBe('no answer within 50 ms');
  });

  it('refuses a server that closes the connection without an answer', async () => {
    const port = await tcpServer((socket) => socket.end());
    await expect(probeRedis(`redis://127.0.0.1:${port}`)).resolves.toMatch(/closed before an answer/);
  });
});

describe('probePostgres', () => {
  it.runIf(Boolean(DATABASE_URL))('accepts the test server', async () => {
    await expect(probePostgres(DATABASE_URL ?? '')).resolves.toBeUndefined();
  });

  it.runIf(Boolean(DATABASE_URL))('refuses a role the server does not know, and says so', async () => {
    const url = new URL(DATABASE_URL ?? '');
    url.username = 'intentkey_no_such_role';
    await expect(probePostgres(url.href)).resolves.toMatch(/intentkey_no_such_role/);
  });

  it('refuses an address where nothing listens', async () => {
    const port = await freePort();
    await expect(probePostgres(`postgres://postgres@127.0.0.1:${port}/test`)).resolves.toMatch(/ECONNREFUSED/);
  });

  it('refuses a server that accepts the connection and never answers, after its timeout', async () => {
    const port = await tcpServer(() => undefined);
    await expect(probePostgres(`postgres://postgres@127.0.0.1:${port}/test`, 200)).resolves.toMatch(/timeout/i);
  });
});
