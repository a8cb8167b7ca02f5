import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigurationError } from '../errors/errors.js';
import { describeValue } from '../internal/validation.js';
import { createVenueSim, type VenueFaults, type VenueSimOptions, type VenueSimResponse, type VenueStats } from './venue-sim.js';

/**
 * Faults the fake venue injects, each with its own probability per write request
 * (see {@link VenueFaults}; the msw handlers of `intentkey/testing/msw` take the same plan).
 */
export type FakeVenueFaults = VenueFaults;

/** Options of {@link startFakeVenue}: the simulated venue's (see {@link VenueSimOptions}) and the port. */
export interface FakeVenueOptions extends VenueSimOptions {
  /** Port on 127.0.0.1, an integer from 0 to 65535. @default 0 (any free port) */
  readonly port?: number;
}

/** Counts the fake venue keeps; `duplicates` is the sum over business ids of (executions - 1). */
export type FakeVenueStats = VenueStats;

/** A running fake venue. */
export interface FakeVenue {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  stats(): FakeVenueStats;
  /** Executions recorded for one business id (taken from the `businessId` field of the write). */
  executionsOf(businessId: string): number;
  /** Every business id with its execution count. */
  executions(): ReadonlyMap<string, number>;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts a fake exchange or payment API on 127.0.0.1 for tests, demos and benchmarks.
 * It counts executions per business id, so duplicates caused by unsafe retries are
 * visible. All faults come from a seeded random source: a run is reproducible.
 *
 * The venue itself (state, faults, answers) is the transport-independent core of
 * `createVenueSim`; this function only carries its answers over node:http, as the msw
 * handlers of `intentkey/testing/msw` do over msw, so both behave alike for one seed.
 *
 * @throws ConfigurationError for a bad option, naming it (`startFakeVenue(options).faults.delay`).
 */
export async function startFakeVenue(options: FakeVenueOptions): Promise<FakeVenue> {
  const where = 'startFakeVenue(options)';
  const sim = createVenueSim(options, where);
  const port = options.port ?? 0;
  if (!(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new ConfigurationError({ path: `${where}.port`, expected: 'an integer from 0 to 65535', received: describeValue(port) });
  }
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, response: VenueSimResponse): void => {
    res.writeHead(response.status, { 'content-type': 'application/json', ...response.headers }).end(JSON.stringify(response.body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const answer = sim.handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body });
    switch (answer.kind) {
      case 'respond':
        send(res, answer.response);
        return;
      case 'drop':
        res.socket?.destroy();
        return;
      case 'hold':
        void sim.hold(answer.ms).then(() => {
          const response = answer.complete();
          if (!res.destroyed && !res.writableEnded) send(res, response);
        });
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    stats: () => sim.stats(),
    executionsOf: (businessId) => sim.executionsOf(businessId),
    executions: () => sim.executions(),
    close: async () => {
      sim.dispose();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
