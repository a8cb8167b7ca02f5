import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RandomSource } from '../../src/internal/random.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';

/**
 * A small TCP proxy on 127.0.0.1 that reimplements the toxiproxy toxics the B8 tests
 * need: latency, resets before and after the request, hangs, cut and sliced responses.
 * There is no toxiproxy binary on our machines, so the suite carries its own. Every
 * connection gets one toxic, chosen by a function of the connection index, the first
 * bytes the client sent and a seeded random source, so a run is reproducible up to the
 * order in which connections arrive.
 */

/** Which way a toxic acts: `upstream` is client → venue, `downstream` is venue → client. */
export type FaultDirection = 'upstream' | 'downstream' | 'both';

/**
 * What the proxy does to one connection.
 *
 * - `none`: forwards both ways unchanged.
 * - `latency`: delays every chunk by `latencyMs` ± `jitterMs` (uniform), in order, in
 *   `direction` (default `both`). Bytes still queued for the venue when the client
 *   goes away are delivered anyway, as packets already in the network would be.
 * - `resetBeforeRequest`: reads the client's first bytes, forwards none of them and
 *   answers with a TCP RST. The venue never sees the request (no upstream connection
 *   is even opened).
 * - `resetAfterRequest`: forwards the request; when the venue starts answering (or
 *   `afterMs` after the first client byte, when given) resets the client without
 *   forwarding any of the answer.
 * - `timeout`: forwards the request and never answers; the client socket stays open
 *   until the client gives up or the proxy closes (toxiproxy `timeout` with 0).
 * - `limitData`: forwards only the first `bytes` bytes of the answer, then closes the
 *   client connection (FIN) and drops the venue's connection.
 * - `slicer`: forwards data in slices of 1..`maxSliceBytes` bytes, each after a delay
 *   of 0..`maxDelayMs` ms, in `direction` (default `downstream`).
 */
export type Toxic =
  | { readonly kind: 'none' }
  | { readonly kind: 'latency'; readonly latencyMs: number; readonly jitterMs?: number; readonly direction?: FaultDirection }
  | { readonly kind: 'resetBeforeRequest' }
  | { readonly kind: 'resetAfterRequest'; readonly afterMs?: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'limitData'; readonly bytes: number }
  | { readonly kind: 'slicer'; readonly maxSliceBytes: number; readonly maxDelayMs: number; readonly direction?: FaultDirection };

/** The name of a toxic. */
export type ToxicKind = Toxic['kind'];

/** Every toxic kind, for tallies. */
export const TOXIC_KINDS: readonly ToxicKind[] = ['none', 'latency', 'resetBeforeRequest', 'resetAfterRequest', 'timeout', 'limitData', 'slicer'];

/** What the chooser knows about a connection when it picks its toxic. */
export interface ConnectionInfo {
  /** 0 for the first connection accepted since the proxy started, then 1, 2, ... (across down/up). */
  readonly index: number;
  /**
   * The client's first chunk, decoded as latin1 and cut to 4096 characters. For an
   * HTTP/1.1 client it holds the request line and headers, so a chooser can treat
   * writes and lookups differently.
   */
  readonly head: string;
}

/** Picks the toxic of one connection. `random` is the proxy's seeded source. */
export type ToxicChooser = (connection: ConnectionInfo, random: RandomSource) => Toxic;

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where to forward, e.g. the fake venue's `http://127.0.0.1:40123`. Only host and port are used. */
  readonly upstream: string;
  /** Chooses each connection's toxic. @default every connection gets `none` */
  readonly toxic?: ToxicChooser;
  /** Seed of the random source handed to the chooser and used for jitter and slice sizes. @default 1 */
  readonly seed?: number;
  /**
   * How long the venue side of a connection is kept open after its client went away,
   * waiting for the venue to answer, in ms. Keeps a request that was delivered late
   * alive long enough to execute, without leaking sockets. @default 2000
   */
  readonly lingerMs?: number;
  /** Most bytes one direction of a connection may hold in its delay queue; beyond it the connection is destroyed. @default 1048576 */
  readonly maxQueuedBytes?: number;
  /** Most connection records kept for {@link FaultProxy.connections}; the oldest are dropped first. @default 20000 */
  readonly maxRecords?: number;
}

/** What happened on one proxied connection. Updated while the connection lives. */
export interface ConnectionRecord {
  /** The connection's {@link ConnectionInfo.index}. */
  readonly index: number;
  /** The toxic the chooser picked for it. */
  readonly toxic: Toxic;
  /** The client's first chunk, as in {@link ConnectionInfo.head}. */
  readonly head: string;
  /**
   * The first bytes the venue sent back (up to 4096, latin1), whether or not they were
   * forwarded: lets a test see where a cut fell relative to the protocol's framing.
   */
  answerHead: string;
  /** Bytes read from the client. */
  bytesFromClient: number;
  /** Bytes written to the venue. */
  bytesToUpstream: number;
  /** Bytes written to the venue after the client had gone (a late delivery). */
  bytesToUpstreamAfterClientGone: number;
  /** Bytes read from the venue. */
  bytesFromUpstream: number;
  /** Bytes written to the client. */
  bytesToClient: number;
  /** Separate writes to the client (more than one per response shows slicing). */
  writesToClient: number;
  /** True once the client side is gone (closed by either end). */
  clientGone: boolean;
}

/** Totals since the proxy started. */
export interface FaultProxyStats {
  /** Connections accepted (refused ones while down never reach the proxy). */
  readonly connections: number;
  /** Client connections currently open. */
  readonly open: number;
  /** Bytes read from clients, in total. */
  readonly bytesFromClients: number;
  /** Bytes written to the venue, in total. */
  readonly bytesToUpstream: number;
  /** Bytes read from the venue, in total. */
  readonly bytesFromUpstream: number;
  /** Bytes written to clients, in total. */
  readonly bytesToClients: number;
  /** Connections per toxic applied. */
  readonly toxics: Readonly<Record<ToxicKind, number>>;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`; stays the same across {@link down} and {@link up}. */
  readonly url: string;
  readonly port: number;
  /** True between {@link down} and {@link up}. */
  readonly isDown: boolean;
  /** Replaces the chooser for connections accepted from now on. */
  setToxic(chooser: ToxicChooser): void;
  /** Stops listening (clients get ECONNREFUSED) and destroys every live connection, like toxiproxy's disable. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  stats(): FaultProxyStats;
  /** Records of the most recent connections, oldest first. */
  connections(): readonly ConnectionRecord[];
  /** Destroys every socket, clears every timer and stops listening. Idempotent. */
  close(): Promise<void>;
}

const HEAD_CHARS = 4096;

/** Starts a {@link FaultProxy} on an ephemeral port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.upstream);
  const upstreamHost = target.hostname;
  const upstreamPort = Number(target.port);
  const random = new SeededRandom(options.seed ?? 1);
  const lingerMs = options.lingerMs ?? 2000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const maxRecords = options.maxRecords ?? 20_000;
  let choose: ToxicChooser = options.toxic ?? (() => ({ kind: 'none' }));

  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const records: ConnectionRecord[] = [];
  const toxics = Object.fromEntries(TOXIC_KINDS.map((k) => [k, 0])) as Record<ToxicKind, number>;
  const totals = { connections: 0, bytesFromClients: 0, bytesToUpstream: 0, bytesFromUpstream: 0, bytesToClients: 0 };
  let closed = false;
  let down = false;

  const schedule = (fn: () => void, ms: number): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, ms));
    timers.add(t);
    return t;
  };
  const cancel = (t: NodeJS.Timeout | undefined): void => {
    if (t === undefined) return;
    clearTimeout(t);
    timers.delete(t);
  };
  const track = (s: Socket): void => {
    sockets.add(s);
    // Errors are part of the experiment; 'close' always follows and is handled there.
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  };

  const onConnection = (client: Socket): void => {
    if (closed || down) {
      client.destroy();
      return;
    }
    const index = totals.connections++;
    track(client);
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.setNoDelay(true);
    client.once('data', (first: Buffer) => {
      const head = first.toString('latin1', 0, Math.min(first.length, HEAD_CHARS));
      const toxic = choose({ index, head }, random);
      toxics[toxic.kind]++;
      const record: ConnectionRecord = {
        index,
        toxic,
        head,
        answerHead: '',
        bytesFromClient: 0,
        bytesToUpstream: 0,
        bytesToUpstreamAfterClientGone: 0,
        bytesFromUpstream: 0,
        bytesToClient: 0,
        writesToClient: 0,
        clientGone: false,
      };
      records.push(record);
      if (records.length > maxRecords) records.splice(0, records.length - maxRecords);
      proxyConnection(client, first, toxic, record);
    });
  };

  /** Wires one client to the venue under its toxic. */
  const proxyConnection = (client: Socket, first: Buffer, toxic: Toxic, record: ConnectionRecord): void => {
    record.bytesFromClient += first.length;
    totals.bytesFromClients += first.length;
    if (toxic.kind === 'resetBeforeRequest') {
      record.clientGone = true;
      client.resetAndDestroy();
      return;
    }

    const upstream = connect({ host: upstreamHost, port: upstreamPort });
    track(upstream);
    upstream.setNoDelay(true);
    let upstreamAnswered = false;
    let upstreamEnded = false;
    let lingerTimer: NodeJS.Timeout | undefined;
    let resetTimer: NodeJS.Timeout | undefined;
    let forwardedDown = 0;

    const destroyBoth = (): void => {
      upLane.drop();
      downLane.drop();
      cancel(lingerTimer);
      cancel(resetTimer);
      client.destroy();
      upstream.destroy();
    };

    const upLane = new DelayLane(
      (data) => {
        if (upstream.destroyed) return;
        upstream.write(data);
        record.bytesToUpstream += data.length;
        totals.bytesToUpstream += data.length;
        if (record.clientGone) record.bytesToUpstreamAfterClientGone += data.length;
      },
      () => afterRequestDelivered(),
      schedule,
      cancel,
      maxQueuedBytes,
      destroyBoth,
    );
    const downLane = new DelayLane(
      (data) => {
        if (client.destroyed) return;
        client.write(data);
        record.bytesToClient += data.length;
        record.writesToClient++;
        totals.bytesToClients += data.length;
      },
      () => {
        if (!client.destroyed) client.end();
      },
      schedule,
      cancel,
      maxQueuedBytes,
      destroyBoth,
    );

    /**
     * Once the client is gone and everything queued for the venue was written: keep
     * the venue side until it answers (so a late request really executes), then drop it.
     */
    const afterRequestDelivered = (): void => {
      if (upstreamAnswered || upstreamEnded) {
        upstream.destroy();
        return;
      }
      lingerTimer = schedule(() => upstream.destroy(), lingerMs);
    };

    const upDelay = laneShaper(toxic, 'upstream', random);
    const downDelay = laneShaper(toxic, 'downstream', random);
    const sendUp = (data: Buffer): void => {
      for (const piece of upDelay(data)) upLane.push(piece.data, piece.delayMs, piece.afterPrevious);
    };

    const resetClient = (): void => {
      record.clientGone = true;
      downLane.drop();
      if (!client.destroyed) client.resetAndDestroy();
    };

    sendUp(first);
    client.on('data', (data: Buffer) => {
      record.bytesFromClient += data.length;
      totals.bytesFromClients += data.length;
      sendUp(data);
    });
    client.on('close', () => {
      if (record.clientGone && upstream.destroyed) return;
      record.clientGone = true;
      downLane.drop();
      cancel(resetTimer);
      // Whatever is still queued for the venue was already "in the network": deliver it.
      upLane.end();
    });

    if (toxic.kind === 'resetAfterRequest' && toxic.afterMs !== undefined) {
      resetTimer = schedule(resetClient, toxic.afterMs);
    }

    upstream.on('data', (data: Buffer) => {
      if (record.answerHead.length < HEAD_CHARS) record.answerHead += data.toString('latin1', 0, Math.min(data.length, HEAD_CHARS - record.answerHead.length));
      record.bytesFromUpstream += data.length;
      totals.bytesFromUpstream += data.length;
      const firstAnswer = !upstreamAnswered;
      upstreamAnswered = true;
      if (record.clientGone) {
        if (lingerTimer !== undefined) {
          cancel(lingerTimer);
          upstream.destroy();
        }
        return;
      }
      switch (toxic.kind) {
        case 'timeout':
          return;
        case 'resetAfterRequest':
          if (firstAnswer && toxic.afterMs === undefined) {
            resetClient();
            upLane.end();
          }
          return;
        case 'limitData': {
          const room = toxic.bytes - forwardedDown;
          if (room > 0) {
            const part = data.subarray(0, room);
            forwardedDown += part.length;
            downLane.push(part, 0, false);
          }
          if (forwardedDown >= toxic.bytes) {
            downLane.end();
            upstream.destroy();
          }
          return;
        }
        default:
          for (const piece of downDelay(data)) downLane.push(piece.data, piece.delayMs, piece.afterPrevious);
      }
    });
    upstream.on('end', () => {
      upstreamEnded = true;
    });
    upstream.on('close', () => {
      upstreamEnded = true;
      cancel(lingerTimer);
      if (record.clientGone) return;
      // A hung connection stays hung even when the venue hangs up on it.
      if (toxic.kind === 'timeout') return;
      downLane.end();
    });
  };

  const server: Server = createServer(onConnection);
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;

  const dropEverything = (): void => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
  };

  const stopListening = async (): Promise<void> => {
    if (!server.listening) return;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    dropEverything();
    await stopped;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get isDown() {
      return down;
    },
    setToxic: (chooser) => {
      choose = chooser;
    },
    down: async () => {
      down = true;
      await stopListening();
    },
    up: async () => {
      if (closed || !down) return;
      await listen(server, port);
      down = false;
    },
    stats: () => ({ ...totals, open: clients.size, toxics: { ...toxics } }),
    connections: () => records,
    close: async () => {
      if (closed) return;
      closed = true;
      await stopListening();
      dropEverything();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

interface Piece {
  readonly data: Buffer;
  readonly delayMs: number;
  /** True: the delay counts from the previous piece's release (slicing); false: from now. */
  readonly afterPrevious: boolean;
}

/** How a toxic cuts and delays the chunks of one direction. */
function laneShaper(toxic: Toxic, direction: 'upstream' | 'downstream', random: RandomSource): (data: Buffer) => Piece[] {
  const applies = (d: FaultDirection | undefined, fallback: FaultDirection): boolean => {
    const actual = d ?? fallback;
    return actual === 'both' || actual === direction;
  };
  if (toxic.kind === 'latency' && applies(toxic.direction, 'both')) {
    const jitterMs = toxic.jitterMs ?? 0;
    return (data) => [{ data, delayMs: Math.max(0, toxic.latencyMs + (2 * random.next() - 1) * jitterMs), afterPrevious: false }];
  }
  if (toxic.kind === 'slicer' && applies(toxic.direction, 'downstream')) {
    const maxSlice = Math.max(1, Math.floor(toxic.maxSliceBytes));
    return (data) => {
      const pieces: Piece[] = [];
      for (let at = 0; at < data.length; ) {
        const size = 1 + Math.floor(random.next() * maxSlice);
        pieces.push({ data: data.subarray(at, at + size), delayMs: random.next() * toxic.maxDelayMs, afterPrevious: true });
        at += size;
      }
      return pieces;
    };
  }
  return (data) => [{ data, delayMs: 0, afterPrevious: false }];
}

/**
 * An ordered queue of writes, each released at its own time. A chunk never overtakes
 * an earlier one, so a delay of `d` after arrival holds each chunk at most `d` beyond
 * the arrival of the last chunk before it: latency stays bounded by the toxic's maximum.
 */
class DelayLane {
  readonly #write: (data: Buffer) => void;
  readonly #finish: () => void;
  readonly #schedule: (fn: () => void, ms: number) => NodeJS.Timeout;
  readonly #cancel: (t: NodeJS.Timeout | undefined) => void;
  readonly #maxQueuedBytes: number;
  readonly #overflow: () => void;
  readonly #queue: Array<{ readonly at: number; readonly data: Buffer | undefined }> = [];
  #lastAt = 0;
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #dropped = false;

  constructor(
    write: (data: Buffer) => void,
    finish: () => void,
    schedule: (fn: () => void, ms: number) => NodeJS.Timeout,
    cancel: (t: NodeJS.Timeout | undefined) => void,
    maxQueuedBytes: number,
    overflow: () => void,
  ) {
    this.#write = write;
    this.#finish = finish;
    this.#schedule = schedule;
    this.#cancel = cancel;
    this.#maxQueuedBytes = maxQueuedBytes;
    this.#overflow = overflow;
  }

  push(data: Buffer, delayMs: number, afterPrevious: boolean): void {
    if (this.#ended || this.#dropped || data.length === 0) return;
    const now = performance.now();
    const at = afterPrevious ? Math.max(this.#lastAt, now) + delayMs : Math.max(this.#lastAt, now + delayMs);
    this.#lastAt = at;
    if (at <= now && this.#queue.length === 0) {
      this.#write(data);
      return;
    }
    this.#queuedBytes += data.length;
    if (this.#queuedBytes > this.#maxQueuedBytes) {
      this.#overflow();
      return;
    }
    this.#queue.push({ at, data });
    this.#arm();
  }

  /** Calls `finish` once everything queued so far has been written. */
  end(): void {
    if (this.#ended || this.#dropped) return;
    this.#ended = true;
    if (this.#queue.length === 0) {
      this.#finish();
      return;
    }
    this.#queue.push({ at: this.#lastAt, data: undefined });
    this.#arm();
  }

  /** Forgets everything queued; nothing more is written or finished. */
  drop(): void {
    this.#dropped = true;
    this.#queue.length = 0;
    this.#cancel(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const next = this.#queue[0];
    if (!next) return;
    this.#timer = this.#schedule(() => this.#pump(), Math.ceil(next.at - performance.now()));
  }

  #pump(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (!this.#dropped) {
      const next = this.#queue[0];
      if (!next || next.at > now) break;
      this.#queue.shift();
      if (next.data === undefined) {
        this.#finish();
        return;
      }
      this.#queuedBytes -= next.data.length;
      this.#write(next.data);
    }
    this.#arm();
  }
}
