import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The pgbouncer binary, or undefined when it is not installed. */
export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find((path) => {
  try {
    return spawnSync(path, ['--version']).status === 0;
  } catch {
    return false;
  }
});

/** A private pgbouncer in front of the test server. */
export interface PgBouncer {
  /** Connection string through the pooler. */
  readonly url: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * Starts pgbouncer in **transaction** pool mode (each transaction may run on another
 * server connection, so session state does not survive between statements), with fewer
 * server connections than the tests open client connections. Its files live in a
 * temporary directory that `stop()` removes.
 */
export async function startPgBouncer(databaseUrl: string, serverConnections = 4): Promise<PgBouncer> {
  if (PGBOUNCER === undefined) throw new Error('pgbouncer is not installed');
  const target = new URL(databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'ik-pgbouncer-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = decodeURIComponent(target.username || 'postgres');
  const database = target.pathname.replace(/^\//, '') || 'test';
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || '5432'} dbname=${database} user=${user}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 500',
      `default_pool_size = ${serverConnections}`,
      'unix_socket_dir =',
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  // pgbouncer refuses to run as root; drop to the postgres user when we are root.
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pgUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const pgGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const file of ['', 'pgbouncer.ini', 'users.txt']) chownSync(join(dir, file), pgUid, pgGid);
  }
  execFileSync(PGBOUNCER, ['-d', ...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')]);
  const pidFile = join(dir, 'pgbouncer.pid');
  let pid: number | undefined;
  for (let i = 0; i < 100 && pid === undefined; i++) {
    try {
      pid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    url: `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    stop() {
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
