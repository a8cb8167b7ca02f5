/**
 * One bot of the ban run, in its own process (forked by `bench/protection.bench.ts`): an
 * intentkey client (MemoryLedger, {@link BAN_VENUE}, the variant's protection) placing
 * orders on the fake venue at a steady concurrency, in real time.
 *
 * Protocol over IPC: the parent sends `{ input: BotInput }`; the bot builds its client
 * and answers `{ ready: true }`; on `{ go: true }` it runs, answers `{ result: BotResult }`
 * (or `{ error }`) and exits.
 *
 * Every loop is bounded: each of `concurrency` workers places orders one after another
 * until `durationMs` has passed or `maxOrders` orders have started (all workers
 * together); orders still running `graceMs` after that are cancelled (their waits end
 * through an AbortSignal) and counted as abandoned, and the bot reports at most
 * `graceMs + 5 s` after `durationMs` whatever is still pending.
 */
import { Agent } from 'node:http';
import axios from 'axios';
import type { BotResult } from './protection-metrics.js';
import { BAN_VARIANTS, BAN_VENUE, intentkeyOrders } from './protection-variants.js';

/** What the parent sends a bot. */
export interface BotInput {
  readonly bot: number;
  readonly url: string;
  readonly variant: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly maxOrders: number;
  readonly graceMs: number;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly seed: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

async function run(input: BotInput, waitForGo: () => Promise<void>): Promise<BotResult> {
  const variant = BAN_VARIANTS.find((v) => v.id === input.variant);
  if (variant === undefined) throw new Error(`unknown ban variant ${input.variant}`);
  if (variant.pending !== undefined) throw new Error(`ban variant ${input.variant} is pending: ${variant.pending}`);
  const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency });
  const http = axios.create({ baseURL: input.url, httpAgent: agent, timeout: 5000 });
  const statuses: Record<string, number> = {};
  const count = (key: string): void => {
    statuses[key] = (statuses[key] ?? 0) + 1;
  };
  http.interceptors.response.use(
    (response) => {
      count(String(response.status));
      return response;
    },
    (error: unknown) => {
      const status = (error as { response?: { status?: number } }).response?.status;
      count(status === undefined ? 'network' : String(status));
      throw error;
    },
  );
  const protection = await variant.options?.({ venue: BAN_VENUE, redisUrl: input.redisUrl, prefix: input.prefix });
  const orders = intentkeyOrders(http, BAN_VENUE, input.seed, `ban-bot-${input.bot}`, protection?.extra ?? {});
  try {
    await waitForGo();
    const start = Date.now();
    const stop = new AbortController();
    let started = 0;
    let placed = 0;
    let failed = 0;
    let abandoned = 0;
    let firstError: string | undefined;
    let lastSettled = start;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; started < input.maxOrders && Date.now() - start < input.durationMs; i++) {
        started++;
        try {
          await orders.place(`bot${input.bot}-w${w}-${i}`, stop.signal);
          placed++;
        } catch (error) {
          if (stop.signal.aborted) abandoned++;
          else failed++;
          firstError ??= error instanceof Error ? `${error.name}: ${error.message.split('\n')[0] ?? ''}`.slice(0, 200) : String(error);
        }
        lastSettled = Date.now();
      }
    };
    const workers = Promise.all(Array.from({ length: input.concurrency }, (_, w) => worker(w)));
    // Past the run and its grace, cancel what still waits; past 5 s more, report anyway.
    const cancel = setTimeout(() => stop.abort(new Error('the bot run is over')), input.durationMs + input.graceMs);
    const settledInTime = await Promise.race([workers.then(() => true), realSleep(input.durationMs + input.graceMs + 5000).then(() => false)]);
    clearTimeout(cancel);
    return {
      bot: input.bot,
      placed,
      failed,
      ...(firstError === undefined ? {} : { firstError }),
      statuses,
      elapsedMs: lastSettled - start,
      abandoned: abandoned + (settledInTime ? 0 : started - placed - failed - abandoned),
    };
  } finally {
    await Promise.race([orders.close(), realSleep(2000)]);
    await protection?.close();
    agent.destroy();
  }
}

process.once('message', (message: { input: BotInput }) => {
  const go = new Promise<void>((resolve) => {
    process.on('message', (m: { go?: boolean }) => {
      if (m.go === true) resolve();
    });
  });
  run(message.input, async () => {
    process.send?.({ ready: true });
    await go;
  }).then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (error: unknown) => process.send?.({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(1));
