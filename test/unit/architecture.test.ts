/**
 * The shape of src/, checked: no import cycles, and the pure decision modules never reach
 * an I/O module (file system, threads, network, processes, axios, or a store), not even
 * through another module. Reads the sources as text; run-time imports only (`import type`
 * is erased by the compiler and cannot form a cycle at run time).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Run-time imports of one file: relative ones resolved to src paths, others as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  // `import x from`, `import { a } from`, `export { a } from`, `export * from`, `import 'x'`, `import('x')`;
  // not `import type` / `export type` (erased).
  const pattern = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(pattern)) {
    const spec = (m[1] ?? m[2]) as string;
    found.push(spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') : spec);
  }
  return found;
}

const files = sources(SRC).map((f) => relative(SRC, f));
const graph = new Map(files.map((f) => [f, importsOf(join(SRC, f))]));

/** Pure decision modules: given the same arguments they return the same answer and touch nothing. */
const DECISION = [/^client\/decide\.ts$/, /^backoff\//, /^classify\//, /^keys\//, /^venues\//, /^ledger\/(transitions|intent|list)\.ts$/, /^tools\//, /^protection\//];
/** Imports that do I/O (or start it). */
const IO = [/^node:(fs|fs\/promises|worker_threads|net|http|https|child_process|dgram|tls)$/, /^axios$/, /^pg$/, /^ioredis$/, /^stores\//, /^client\/(runner|create-intent-client|axios-request)\.ts$/];

/** Every cycle found by a depth-first walk of `g`, as "a -> b -> a". */
function cyclesIn(g: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const dep of g.get(file) ?? []) if (g.has(dep)) visit(dep, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of g.keys()) visit(file, []);
  return cycles;
}

/** The import chains from `start` that end in an I/O import. */
function ioReachedFrom(g: ReadonlyMap<string, readonly string[]>, start: string): string[] {
  const seen = new Set<string>([start]);
  const bad: string[] = [];
  const walk = (file: string, path: string[]): void => {
    for (const dep of g.get(file) ?? []) {
      if (IO.some((p) => p.test(dep))) bad.push([...path, file, dep].join(' -> '));
      if (g.has(dep) && !seen.has(dep)) {
        seen.add(dep);
        walk(dep, [...path, file]);
      }
    }
  };
  walk(start, []);
  return bad;
}

const decisionFiles = files.filter((f) => DECISION.some((p) => p.test(f)));

describe('architecture of src/', () => {
  it('reads every module (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(graph.get('client/decide.ts')?.length).toBeGreaterThan(0);
    expect(decisionFiles.length).toBeGreaterThan(20);
  });

  it('has no import cycle among run-time imports', () => {
    expect(cyclesIn(graph)).toEqual([]);
  });

  it('no decision module reaches an I/O module, directly or through others', () => {
    expect(decisionFiles.flatMap((f) => ioReachedFrom(graph, f))).toEqual([]);
  });

  it('the checks notice a cycle and an I/O import two modules away (negative controls)', () => {
    const cyclic = new Map(graph);
    cyclic.set('keys/index.ts', [...(graph.get('keys/index.ts') ?? []), 'client/decide.ts']);
    cyclic.set('client/decide.ts', [...(graph.get('client/decide.ts') ?? []), 'keys/index.ts']);
    expect(cyclesIn(cyclic).length).toBeGreaterThan(0);
    const leaky = new Map(graph);
    const [firstDep] = (graph.get('client/decide.ts') ?? []).filter((d) => graph.has(d));
    expect(firstDep).toBeDefined();
    leaky.set(firstDep as string, [...(graph.get(firstDep as string) ?? []), 'node:fs']);
    expect(ioReachedFrom(leaky, 'client/decide.ts')).toContain(`client/decide.ts -> ${firstDep as string} -> node:fs`);
  });
});
