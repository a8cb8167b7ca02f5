/**
 * Part a of `bench/protection.bench.ts`, outage amplification, in simulated time.
 *
 * @sinonjs/fake-timers is installed globally for each variant's run (`setTimeout`,
 * `setInterval`, `Date`, `performance`), so axios-retry's and p-retry's own timers,
 * intentkey's default clock and sleep, and the venue's clock all follow virtual time;
 * `Math.random` is replaced by a seeded generator for the run (axios-retry's and
 * p-retry's jitter), so the same scale and seed give the same numbers.
 *
 * Every bot has its own axios instance whose adapter hands the request to one shared
 * `createVenueSim` (exchange mode, the binance-spot profile on the client side): no
 * sockets. Each leg of a request (there and back) takes a seeded 5 to 15 virtual ms.
 * During the outage every write is answered 503 `-1001` without reaching the venue
 * (nothing executes); reads (lookups) are answered by the venue as usual.
 */
import FakeTimers from '@sinonjs/fake-timers';
import axios, { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { binanceSpot } from '../../src/index.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import { createVenueSim, type VenueSimAnswer, type VenueSimResponse } from '../../src/testing/venue-sim.js';
import { outageMetrics, type OutageVariantResult, type OutageWindow, type RequestEvent } from './protection-metrics.js';
import type { OutageBot, OutageVariant } from './protection-variants.js';

/** The shape of one outage run. Times are virtual ms since t = 0. */
export interface OutageScale {
  /** Bots, each with its own client. */
  readonly clients: number;
  /** Each bot places one action every this many ms, whether or not the previous one has settled. */
  readonly actionEveryMs: number;
  /** No action is placed at or after this time. */
  readonly placeUntilMs: number;
  readonly outage: OutageWindow;
  /** The run stops here even if some actions have not settled (they count as unsettled). */
  readonly horizonMs: number;
  /** Virtual time advanced per step of the driving loop. */
  readonly stepMs: number;
  /** Seed of everything random in the run. */
  readonly seed: number;
}

/** 50 bots, one action a second each from t = 0 to 60 s, the venue's writes down from 10 s to 40 s. */
export const OUTAGE_FULL: OutageScale = {
  clients: 50,
  actionEveryMs: 1000,
  placeUntilMs: 60_000,
  outage: { startMs: 10_000, endMs: 40_000 },
  horizonMs: 660_000,
  stepMs: 1000,
  seed: 20_240_601,
};

/** `--smoke`: 8 bots, actions from 0 to 20 s, writes down from 5 s to 15 s. */
export const OUTAGE_SMOKE: OutageScale = { ...OUTAGE_FULL, clients: 8, placeUntilMs: 20_000, outage: { startMs: 5_000, endMs: 15_000 }, horizonMs: 320_000 };

/** Epoch ms of virtual t = 0 (a fixed instant, so runs do not depend on the day). */
const T0 = Date.UTC(2030, 0, 1);

/** The answer to a write during the outage: Binance's `-1001`, nothing executed. */
const OUTAGE_ANSWER: VenueSimResponse = { status: 503, headers: {}, body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' } };

/** Turns a simulator response into what axios resolves or rejects with. */
function toAxios(config: InternalAxiosRequestConfig, answer: VenueSimResponse): AxiosResponse {
  const response: AxiosResponse = {
    data: JSON.stringify(answer.body),
    status: answer.status,
    statusText: String(answer.status),
    headers: new AxiosHeaders({ 'content-type': 'application/json', ...answer.headers }),
    config,
    request: {},
  };
  if (config.validateStatus === undefined || config.validateStatus === null || config.validateStatus(answer.status)) return response;
  const code = answer.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
  throw new AxiosError(`Request failed with status code ${answer.status}`, code, config, {}, response);
}

/** What kind of error ended an action, without ids, so equal kinds count together: `AxiosError 503`, `AmbiguousOutcomeError ERR_OUTCOME_UNKNOWN`. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const { code, response } = error as { code?: unknown; response?: { status?: unknown } };
  const status = typeof response?.status === 'number' ? ` ${response.status}` : '';
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}${status}`;
}

/**
 * Runs one variant of the outage scenario and measures it. Installs the fake timers and
 * the seeded `Math.random` for the run and removes both before returning.
 */
export async function runOutageVariant(variant: OutageVariant, scale: OutageScale): Promise<OutageVariantResult> {
  const base = { id: variant.id, label: variant.label, role: variant.role, ...(variant.drainTarget === true ? { drainTarget: true } : {}), ...(variant.requestsRatioTarget === undefined ? {} : { requestsRatioTarget: variant.requestsRatioTarget }) };
  if (variant.pending !== undefined || variant.build === undefined) return { ...base, notMeasured: variant.pending ?? 'no builder' };
  const wallStart = process.hrtime.bigint();
  const clock = FakeTimers.install({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'], loopLimit: 1_000_000 });
  const realRandom = Math.random;
  const mathRandom = new SeededRandom(scale.seed);
  Math.random = () => mathRandom.next();
  try {
    const t = (): number => Date.now() - T0;
    const inOutage = (at: number): boolean => at >= scale.outage.startMs && at < scale.outage.endMs;
    const sim = createVenueSim({ mode: 'exchange', seed: scale.seed, now: () => Date.now() });
    const legs = new SeededRandom(scale.seed + 1);
    const phases = new SeededRandom(scale.seed + 2);
    const requests: RequestEvent[] = [];
    const actions: Array<{ client: number; placedAtMs: number; settledAtMs?: number; outcome?: 'succeeded' | 'gaveUp'; error?: string }> = [];
    const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const leg = (): number => 5 + Math.floor(legs.next() * 11);

    const adapter =
      (client: number): AxiosAdapter =>
      async (config) => {
        const method = (config.method ?? 'get').toUpperCase();
        const target = new URL(axios.getUri(config));
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(AxiosHeaders.from(config.headers).toJSON())) if (value !== undefined && value !== null) headers[name] = String(value);
        const body = typeof config.data === 'string' ? config.data : config.data === undefined || config.data === null ? '' : JSON.stringify(config.data);
        await wait(leg());
        const at = t();
        const answer: VenueSimAnswer =
          method === 'POST' && inOutage(at) ? { kind: 'respond', response: OUTAGE_ANSWER } : sim.handle({ method, url: `${target.pathname}${target.search}`, headers, body });
        const kind = method === 'POST' ? 'write' : 'read';
        if (answer.kind === 'drop') {
          requests.push({ atMs: at, client, kind, status: 'network' });
          throw new AxiosError('socket hang up', 'ECONNRESET', config, {});
        }
        let response = answer.kind === 'respond' ? answer.response : undefined;
        if (answer.kind === 'hold') {
          await sim.hold(answer.ms);
          response = answer.complete();
        }
        const final = response as VenueSimResponse;
        requests.push({ atMs: at, client, kind, status: final.status });
        await wait(leg());
        return toAxios(config, final);
      };

    const bots: OutageBot[] = [];
    for (let c = 0; c < scale.clients; c++) {
      const http = axios.create({ baseURL: 'http://venue.sim', timeout: 10_000, adapter: adapter(c) });
      bots.push(await variant.build({ http, client: c, seed: scale.seed * 1000 + c, venue: binanceSpot }));
    }

    let total = 0;
    let settled = 0;
    for (const [c, bot] of bots.entries()) {
      const phase = Math.floor(phases.next() * scale.actionEveryMs);
      for (let k = 0; ; k++) {
        const at = k * scale.actionEveryMs + phase;
        if (at >= scale.placeUntilMs) break;
        total++;
        setTimeout(() => {
          const action: (typeof actions)[number] = { client: c, placedAtMs: t() };
          actions.push(action);
          bot.place(`c${c}-a${k}`).then(
            () => {
              action.settledAtMs = t();
              action.outcome = 'succeeded';
              settled++;
            },
            (error: unknown) => {
              action.settledAtMs = t();
              action.outcome = 'gaveUp';
              action.error = errorKind(error);
              settled++;
            },
          );
        }, at);
      }
    }

    // Bounded: at most horizonMs / stepMs steps of virtual time.
    while ((settled < total || t() < scale.placeUntilMs) && t() < scale.horizonMs) await clock.tickAsync(scale.stepMs);

    // Close the clients under the fake clock too (a close may wait on a timer), bounded.
    let closed = false;
    void Promise.allSettled(bots.map((b) => b.close())).then(() => {
      closed = true;
    });
    for (let i = 0; i < 120 && !closed; i++) await clock.tickAsync(scale.stepMs);

    const metrics = outageMetrics(requests, actions, scale.outage);
    return { ...base, metrics, duplicates: sim.stats().duplicates, wallMs: Number(process.hrtime.bigint() - wallStart) / 1e6 };
  } finally {
    Math.random = realRandom;
    clock.uninstall();
  }
}
