/**
 * Paired HTTP measurement: raw axios and intentkey take turns in one process, block by
 * block, against the same local server, so each intentkey block is compared with the
 * raw axios blocks next to it in time. `npm run bench` runs every cell in a fresh child
 * process, one after another: its ratios then carry whatever the machine's load did
 * between two cells (on two shared cores, ±10-20% from one minute to the next). Here that
 * drift cancels out of each block's ratio, and the median over the blocks is reported
 * with the middle half of the ratios around it.
 *
 * It supports the targets of `npm run bench` (client CPU per request and req/s against
 * raw axios); it judges nothing itself. Both variants share the process, so axios's code
 * is warmed by both, and peak memory is not measured here.
 *
 * Run: `npm run bench:paired` or `npx tsx bench/paired.bench.ts [--concurrency 1,16,128]
 * [--blocks N] [--requests N] [--variants intentkey-memory,intentkey-file]`. Every run is
 * bounded: blocks x requests per variant and concurrency, each block under a time limit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { createIntentClient, FileLedger, ietfIdempotencyKey, MemoryLedger, type LedgerStore } from '../src/index.js';
import { forkTs, harnessFile } from './harness/child.js';
import { runConcurrent } from './harness/stats.js';

const VARIANTS = ['intentkey-memory', 'intentkey-file'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,16,128' },
    blocks: { type: 'string', default: '12' },
    requests: { type: 'string', default: '1000' },
    variants: { type: 'string', default: VARIANTS.join(',') },
  },
});

function positiveIntegers(option: string, text: string, min: number): number[] {
  const list = text.split(',').map((part) => Number(part.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < min)) {
    throw new Error(`--${option}: expected integers >= ${min}, separated by commas; got ${JSON.stringify(text)}`);
  }
  return list;
}
const CONCURRENCY = positiveIntegers('concurrency', values.concurrency, 1);
const [BLOCKS] = positiveIntegers('blocks', values.blocks, 2) as [number];
const [REQUESTS] = positiveIntegers('requests', values.requests, 100) as [number];
const chosen = values.variants.split(',').map((v) => v.trim());
for (const v of chosen) {
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`--variants: expected some of ${VARIANTS.join(', ')}; got ${JSON.stringify(v)}`);
}
const variants = chosen as Variant[];
/** The longest one block may take before the run stops with an error, ms. */
const BLOCK_LIMIT_MS = 120_000;

const order = (i: number): Record<string, unknown> => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '50000.00', timeInForce: 'GTC', clientRef: i });

interface Sender {
  send(i: number): Promise<unknown>;
  close(): Promise<void>;
}

async function intentkeySender(http: AxiosInstance, variant: Variant): Promise<Sender> {
  let ledger: LedgerStore;
  let cleanup = (): void => undefined;
  if (variant === 'intentkey-file') {
    const dir = mkdtempSync(join(tmpdir(), 'intentkey-bench-paired-'));
    ledger = await FileLedger.open({ dir });
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    ledger = new MemoryLedger();
  }
  const client = createIntentClient(http, { venue: ietfIdempotencyKey, ledger });
  const place = client.operation('order.create', { request: (o: Record<string, unknown>) => ({ method: 'POST', url: '/order', data: o }) });
  const run = randomBytes(4).toString('hex');
  let ids = 0;
  return {
    send: (i) => place(order(i), { businessId: `paired-${run}-${ids++}` }),
    close: async () => {
      await client.close();
      cleanup();
    },
  };
}

interface Block {
  readonly cpuUsPerReq: number;
  readonly reqPerS: number;
}

async function block(send: (i: number) => Promise<unknown>, concurrency: number): Promise<Block> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const r = await runConcurrent(REQUESTS, concurrency, send, BLOCK_LIMIT_MS);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  if (r.errors > 0 || r.timedOut) throw new Error(`a block failed: ${r.errors} error(s)${r.timedOut ? ', timed out' : ''}; first: ${r.firstError ?? '?'}`);
  return { cpuUsPerReq: (used.user + used.system) / r.completed, reqPerS: (r.completed / wallMs) * 1000 };
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
const at = (xs: readonly number[], q: number): number => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
const spread = (xs: readonly number[]): string => `${at(xs, 0.5).toFixed(2)} (middle half ${at(xs, 0.25).toFixed(2)}-${at(xs, 0.75).toFixed(2)})`;

const server = forkTs(harnessFile('http-server.ts'));
try {
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the HTTP server did not start within 30 s')), 30_000);
    server.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
  });
  console.log(`paired blocks: ${BLOCKS} blocks x ${REQUESTS} requests per variant and concurrency; ratio = each intentkey block / the raw axios block of the same pass, run right before or after it`);
  for (const concurrency of CONCURRENCY) {
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const http = axios.create({ baseURL: `http://127.0.0.1:${port}`, httpAgent: agent, timeout: 30_000 });
    const senders = new Map<string, Sender>([['axios', { send: (i) => http.post('/order', order(i)), close: async () => undefined }]]);
    for (const v of variants) senders.set(v, await intentkeySender(http, v));
    try {
      const names = [...senders.keys()];
      // Warm-up: connections opened and every code path compiled before the first block.
      for (const name of names) await block((i) => (senders.get(name) as Sender).send(i), concurrency);
      const blocks = new Map<string, Block[]>(names.map((n) => [n, []]));
      for (let b = 0; b < BLOCKS; b++) {
        for (const name of b % 2 === 0 ? names : [...names].reverse()) {
          blocks.get(name)?.push(await block((i) => (senders.get(name) as Sender).send(i), concurrency));
        }
      }
      const raw = blocks.get('axios') as Block[];
      console.log(`c=${concurrency}: raw axios ${at(raw.map((x) => x.cpuUsPerReq), 0.5).toFixed(0)} µs CPU/req, ${at(raw.map((x) => x.reqPerS), 0.5).toFixed(0)} req/s`);
      for (const v of variants) {
        const mine = blocks.get(v) as Block[];
        // Each of the variant's blocks against the raw axios blocks of the same pass, run
        // right before or after it.
        const cpu = mine.map((x, i) => x.cpuUsPerReq / (raw[i] as Block).cpuUsPerReq);
        const req = mine.map((x, i) => x.reqPerS / (raw[i] as Block).reqPerS);
        console.log(`  ${v.padEnd(17)} CPU/req x raw ${spread(cpu)}; req/s x raw ${spread(req)}`);
      }
    } finally {
      for (const s of senders.values()) await s.close();
      agent.destroy();
    }
  }
} finally {
  server.kill();
}
