/**
 * Summary of a V8 CPU profile (`.cpuprofile`, as written by node:inspector's
 * `Profiler.stop` or `node --cpu-prof`): self time by function, by file and by kind of
 * code (intentkey's src, node_modules, Node internals, V8), so a run can say where the
 * client's time went and what moved. Pure: the caller reads and writes files.
 */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Where a function's code comes from. */
export type CodeKind = 'intentkey src' | 'bench harness' | 'node_modules' | 'node internals' | 'native (GC, V8, bindings)' | 'idle';

export interface SelfTime {
  readonly name: string;
  readonly kind: CodeKind;
  readonly selfMs: number;
  /** Share of the non-idle time, %. */
  readonly percent: number;
}

export interface ProfileSummary {
  /** Sampled time, ms (idle included). */
  readonly totalMs: number;
  /** Sampled time not idle, ms: the base of every percentage. */
  readonly busyMs: number;
  readonly samples: number;
  readonly byKind: readonly SelfTime[];
  readonly topFunctions: readonly SelfTime[];
  readonly topFiles: readonly SelfTime[];
}

/**
 * The kind of code at `url`, given the project's directory (a `file://` URL or a path
 * ending in `/`). Frames without a URL are native: V8 itself (GC, the
 * "(program)" frame) or Node's C++ bindings (e.g. `writev`), unless idle.
 */
export function codeKind(url: string, functionName: string, projectDir: string): CodeKind {
  if (functionName === '(idle)') return 'idle';
  if (url === '') return 'native (GC, V8, bindings)';
  if (url.startsWith('node:') || !url.includes('/')) return 'node internals';
  if (url.includes('/node_modules/')) return 'node_modules';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const project = projectDir.startsWith('file://') ? decodeURIComponent(projectDir.slice('file://'.length)) : projectDir;
  if (path.startsWith(`${project}src/`)) return 'intentkey src';
  if (path.startsWith(`${project}bench/`)) return 'bench harness';
  return 'node_modules';
}

/** A file's name for the tables: project-relative, or from its package in node_modules. */
function shortFile(url: string, projectDir: string): string {
  if (url === '') return '(no file)';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) return path.slice(inModules + 1);
  return path.startsWith(projectDir) ? path.slice(projectDir.length) : path;
}

/**
 * Self time per function, file and kind. Each sample is charged the time until the next
 * one (the last sample gets the mean interval), as Chrome DevTools does.
 */
export function summariseProfile(profile: CpuProfile, projectDir: string, top = 10): ProfileSummary {
  const project = projectDir.endsWith('/') ? projectDir : `${projectDir}/`;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const meanUs = samples.length > 0 ? (profile.endTime - profile.startTime) / samples.length : 0;
  const fn = new Map<string, { kind: CodeKind; us: number }>();
  const file = new Map<string, { kind: CodeKind; us: number }>();
  const kind = new Map<CodeKind, number>();
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const frame = byId.get(samples[i] as number);
    if (!frame) continue;
    const us = i + 1 < deltas.length ? Math.max(0, deltas[i + 1] as number) : meanUs;
    totalUs += us;
    const k = codeKind(frame.url, frame.functionName, project);
    kind.set(k, (kind.get(k) ?? 0) + us);
    if (k === 'idle') continue;
    const where = shortFile(frame.url, project);
    // Code run through tsx reports every function on line 0: then the file alone is given.
    const fnName = `${frame.functionName || '(anonymous)'} ${frame.url === '' ? '' : frame.lineNumber > 0 ? `${where}:${frame.lineNumber + 1}` : where}`.trim();
    const f = fn.get(fnName) ?? { kind: k, us: 0 };
    f.us += us;
    fn.set(fnName, f);
    const fileName = frame.url === '' ? frame.functionName : where;
    const g = file.get(fileName) ?? { kind: k, us: 0 };
    g.us += us;
    file.set(fileName, g);
  }
  const busyUs = totalUs - (kind.get('idle') ?? 0);
  const entry = (name: string, k: CodeKind, us: number): SelfTime => ({
    name,
    kind: k,
    selfMs: Math.round(us / 100) / 10,
    percent: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : Number.NaN,
  });
  const ranked = (m: Map<string, { kind: CodeKind; us: number }>): SelfTime[] =>
    [...m.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, top).map(([name, v]) => entry(name, v.kind, v.us));
  return {
    totalMs: Math.round(totalUs / 100) / 10,
    busyMs: Math.round(busyUs / 100) / 10,
    samples: samples.length,
    byKind: [...kind.entries()].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).map(([k, us]) => entry(k, k, us)),
    topFunctions: ranked(fn),
    topFiles: ranked(file),
  };
}

/** Plain-text lines of a summary, for the console and the Markdown report. */
export function profileLines(label: string, s: ProfileSummary): string[] {
  const row = (e: SelfTime): string => `    ${e.selfMs.toFixed(1).padStart(8)} ms ${e.percent.toFixed(1).padStart(5)}%  ${e.name}${e.kind === e.name ? '' : `  [${e.kind}]`}`;
  return [
    `${label}: ${s.busyMs.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms sampled (${s.samples} samples, main thread); self time by kind of code:`,
    ...s.byKind.map(row),
    `  top ${s.topFunctions.length} functions by self time:`,
    ...s.topFunctions.map(row),
    `  top ${s.topFiles.length} files by self time:`,
    ...s.topFiles.map(row),
  ];
}
