/**
 * An HTTP front for the fake venue in the liveness harness. It adds what a real venue
 * has and the fake one does not:
 *
 * - network latency: every request is held `latencyMs` before it is forwarded and every
 *   answer `latencyMs` before it is delivered. A request already received is forwarded
 *   even when its client has gone meanwhile (killed), as bytes already in the network
 *   would arrive; the answer to a client that has gone is dropped. Writes therefore
 *   take a realistic time, and a kill can land between a write leaving the process and
 *   its execution.
 * - optionally, a key store that keeps server errors: the first 5xx answer to a write
 *   with an `Idempotency-Key` is stored and replayed, with `Idempotent-Replayed: true`,
 *   to every later write with that key and the same method, path and body, without
 *   reaching the venue (a key-store payment API keeps the first result of a key, even a
 *   saved 500). A write with that key and another body is forwarded, so the venue's own
 *   key store answers it (a parameter mismatch). Used only where the fake venue does
 *   not already do this itself (see liveness.ts `detectVenueBehaviour`).
 *
 * A venue that drops the connection without answering (the `executeThenDrop` fault)
 * makes the front drop its client's connection, after the same latency.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Options of {@link startVenueFront}. */
export interface VenueFrontOptions {
  /** The fake venue's base URL. */
  readonly upstream: string;
  /** One-way latency, in ms: applied before forwarding a request and before delivering its answer. */
  readonly latencyMs: number;
  /** Keep the first 5xx answer per `Idempotency-Key` and replay it (see the file comment). */
  readonly replayStoredErrors: boolean;
}

/** Counts of the front. */
export interface VenueFrontStats {
  readonly forwarded: number;
  /** 5xx answers stored under their key. */
  readonly storedErrors: number;
  /** Writes answered from the stored errors without reaching the venue. */
  readonly replayedErrors: number;
}

/** A running front. */
export interface VenueFront {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  stats(): VenueFrontStats;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

interface StoredAnswer {
  readonly fingerprint: string;
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** Headers that describe one hop's connection, not the message: never forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function messageHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

/** Starts a front on 127.0.0.1 for the venue at `options.upstream`. */
export async function startVenueFront(options: VenueFrontOptions): Promise<VenueFront> {
  const upstream = new URL(options.upstream);
  // A fresh connection per forwarded request: a reused one the venue closed while idle
  // would fail a request that never reached it, a fault nobody asked for.
  const agent = new Agent({ keepAlive: false });
  const stored = new Map<string, StoredAnswer>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let forwarded = 0;
  let replayedErrors = 0;
  let closing = false;

  const later = (fn: () => void): void => {
    if (closing) return;
    if (options.latencyMs <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, options.latencyMs);
    timers.add(t);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const rawKey = req.headers['idempotency-key'];
      const key = options.replayStoredErrors && method === 'POST' && typeof rawKey === 'string' ? rawKey : undefined;
      const fingerprint = createHash('sha256').update(`${method} ${path}\n`).update(body).digest('hex');
      const deliver = (status: number, headers: OutgoingHttpHeaders, answer: Buffer): void => {
        later(() => {
          if (res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed) return;
          res.writeHead(status, { ...headers, 'content-length': answer.length }).end(answer);
        });
      };
      later(() => {
        const kept = key === undefined ? undefined : stored.get(key);
        if (kept !== undefined && kept.fingerprint === fingerprint) {
          replayedErrors++;
          deliver(kept.status, { ...kept.headers, 'idempotent-replayed': 'true' }, kept.body);
          return;
        }
        forwarded++;
        const out = request(
          {
            protocol: upstream.protocol,
            hostname: upstream.hostname,
            port: upstream.port,
            method,
            path,
            headers: { ...messageHeaders(req.headers), host: upstream.host },
            agent,
          },
          (answer) => {
            const answerChunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
            answer.on('end', () => {
              const status = answer.statusCode ?? 502;
              const headers = messageHeaders(answer.headers);
              const answerBody = Buffer.concat(answerChunks);
              if (key !== undefined && status >= 500 && !stored.has(key)) stored.set(key, { fingerprint, status, headers, body: answerBody });
              deliver(status, headers, answerBody);
            });
            answer.on('error', () => later(() => res.socket?.destroy()));
          },
        );
        // The venue dropped the connection without an answer: so does the front.
        out.on('error', () => later(() => res.socket?.destroy()));
        out.end(body);
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ forwarded, storedErrors: stored.size, replayedErrors }),
    close: async () => {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
