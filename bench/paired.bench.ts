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
 * Variants besides raw axios: `intentkey-memory`, `intentkey-file`, and `floor`, the
 * hand-written floor of bench/harness/floor.ts (the work no design with these guarantees
 * can skip), which tells how far below raw axios + the floor a target lies.
 * `--baseline DIR` adds `baseline-memory`: the MemoryLedger client of another build
 * (DIR is that commit's `dist/`), so that two builds are compared through HTTP block by
 * block in one process; `intentkey-memory` and `intentkey-file` then run this
 * checkout's build (`dist/`: `npm run build` first) rather than its source, so both
 * sides are built code.
 *
 * Run: `npm run bench:paired` or `npx tsx bench/paired.bench.ts [--concurrency 1,16,128]
 * [--blocks N] [--requests N] [--variants intentkey-memory,intentkey-file,floor]
 * [--baseline DIR]`. Every run is bounded: blocks x requests per variant and
 * concurrency, each block under a time limit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { createIntentClient, FileLedger, ietfIdempotencyKey, MemoryLedger, type LedgerStore } from '../src/index.js';
import { loadBuild } from './harness/builds.js';
import { forkTs, harnessFile } from './harness/child.js';
import { floorCall } from './harness/floor.js';
import { runConcurrent } from './harness/stats.js';

const VARIANTS = ['intentkey-memory', 'intentkey-file', 'floor'] as const;

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1,16,128' },
    blocks: { type: 'string', default: '12' },
    requests: { type: 'string', default: '1000' },
    variants: { type: 'string', default: 'intentkey-memory,intentkey-file' },
    baseline: { type: 'string' },
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
const variants: string[] = [...chosen];
if (values.baseline !== undefined) variants.push('baseline-memory');

const baselineBuild = values.baseline === undefined ? undefined : await loadBuild(values.baseline);
/** With --baseline, this checkout's own build (`dist/`, from `npm run build`) is measured too, so that both are built code. */
const currentBuild = values.baseline === undefined ? undefined : await loadBuild('dist');
/** The longest one block may take before the run stops with an error, ms. */
const BLOCK_LIMIT_MS = 120_000;

const order = (i: number): Record<string, unknown> => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '50000.00', timeInForce: 'GTC', clientRef: i });

interface Sender {
  send(i: number): Promise<unknown>;
  close(): Promise<void>;
}

async function intentkeySender(http: AxiosInstance, variant: string): Promise<Sender> {
  const run = randomBytes(4).toString('hex');
  let ids = 0;
  if (variant === 'floor') {
    const call = floorCall(http, '/order');
    return { send: (i) => call(order(i), `paired-${run}-${ids++}`), close: async () => undefined };
  }
  let ledger: LedgerStore;
  let cleanup = (): void => undefined;
  if (variant === 'intentkey-file') {
    const dir = mkdtempSync(join(tmpdir(), 'intentkey-bench-paired-'));
    ledger = await (currentBuild ?? { FileLedger }).FileLedger.open({ dir });
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    ledger = baselineBuild !== undefined && variant === 'baseline-memory' ? new baselineBuild.MemoryLedger() : new (currentBuild ?? { MemoryLedger }).MemoryLedger();
  }
  const build = variant === 'baseline-memory' && baselineBuild !== undefined ? baselineBuild : (currentBuild ?? { createIntentClient, ietfIdempotencyKey });
  const client = build.createIntentClient(http, { venue: build.ietfIdempotencyKey, ledger });
  const place = client.operation('order.create', { request: (o: Record<string, unknown>) => ({ method: 'POST', url: '/order', data: o }) });
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
      const before = blocks.get('baseline-memory');
      const after = blocks.get('intentkey-memory');
      if (before !== undefined && after !== undefined) {
        // The two builds' blocks of the same pass, CPU per request subtracted.
        const saved = before.map((x, i) => x.cpuUsPerReq - (after[i] as Block).cpuUsPerReq);
        console.log(`  this checkout against --baseline: CPU saved per request ${at(saved, 0.5).toFixed(1)} µs (middle half ${at(saved, 0.25).toFixed(1)} to ${at(saved, 0.75).toFixed(1)})`);
      }
    } finally {
      for (const s of senders.values()) await s.close();
      agent.destroy();
    }
  }
} finally {
  server.kill();
}
