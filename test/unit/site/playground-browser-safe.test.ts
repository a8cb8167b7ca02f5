/**
 * The playgrounds run the library in the browser: every module the theme's components
 * import, followed through src/, must be free of Node built-ins (`node:crypto`,
 * `fs`, ...), of packages other than the few known to have a browser build, and of Node
 * globals (`Buffer`, `process`). Reads the sources as text, as
 * test/unit/architecture.test.ts does; `import type` is erased and not followed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const THEME = join(ROOT, 'site/.vitepress/theme');

/** Packages the playground bundle may contain: Vue and VitePress, and the SDK's two run-time dependencies the tools use (both ship browser builds). */
const BROWSER_PACKAGES = new Set(['vue', 'vitepress', 'vitepress/theme', 'ulid', 'zod']);
const NODE_BUILTINS = new Set(builtinModules);
/** Node globals a browser lacks, as words in code (comments and strings removed first). */
const NODE_GLOBALS = /\b(Buffer|process|__dirname|__filename|require|setImmediate)\b/;

type Read = (file: string) => string;

/** The script of a Vue single-file component, or the whole text of any other module. */
function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.vue')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '').join('\n');
}

/** Run-time import specifiers of a module (the pattern of architecture.test.ts). */
function specifiersOf(code: string): string[] {
  const pattern = /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((m) => (m[1] ?? m[2]) as string);
}

/** A relative specifier as a file: `.js` written for a `.ts` source, or no extension. */
function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, `${base}.vue`]) if (existsSync(candidate)) return candidate;
  return base;
}

/** Code without comments and string literals, to look for globals. */
function codeOnly(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, "''");
}

interface Finding {
  readonly chain: string;
  readonly problem: string;
}

/** Walks the imports from `entries`; returns every module reached and every problem with its import chain. */
function walk(entries: readonly string[], read: Read): { reached: Set<string>; findings: Finding[] } {
  const reached = new Set<string>();
  const findings: Finding[] = [];
  const name = (file: string): string => relative(ROOT, file);
  const visit = (file: string, chain: readonly string[]): void => {
    if (reached.has(file)) return;
    reached.add(file);
    if (!/\.(ts|vue)$/.test(file)) return; // a stylesheet
    const code = scriptOf(file, read(file));
    const here = [...chain, name(file)];
    const globals = NODE_GLOBALS.exec(codeOnly(code));
    if (globals !== null && !file.endsWith('.d.ts')) findings.push({ chain: here.join(' -> '), problem: `uses the Node global ${globals[1] ?? ''}` });
    for (const spec of specifiersOf(code)) {
      if (spec.startsWith('.')) {
        visit(resolveRelative(file, spec), here);
        continue;
      }
      if (spec.startsWith('node:') || NODE_BUILTINS.has(spec)) findings.push({ chain: here.join(' -> '), problem: `imports ${spec}` });
      else if (!BROWSER_PACKAGES.has(spec)) findings.push({ chain: here.join(' -> '), problem: `imports the package ${spec}, not known to run in a browser` });
    }
  };
  for (const entry of entries) visit(entry, []);
  return { reached, findings };
}

function themeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? themeFiles(join(dir, e.name)) : /\.(ts|vue)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

const readSource: Read = (file) => readFileSync(file, 'utf8');
const entries = themeFiles(THEME);

describe('the playgrounds run in a browser', () => {
  const { reached, findings } = walk(entries, readSource);

  it('reads the theme and follows it into the library (the scan itself works)', () => {
    const names = [...reached].map((f) => relative(ROOT, f));
    expect(entries.some((f) => f.endsWith('KeyPlayground.vue'))).toBe(true);
    for (const module of ['src/tools/index.ts', 'src/tools/key-designer.ts', 'src/keys/portable.ts', 'src/internal/sha256.ts', 'src/tools/explain.ts', 'src/classify/classify-response.ts']) {
      expect(names).toContain(module);
    }
    // The client's node:crypto bindings are not reached.
    expect(names).not.toContain('src/keys/venue-key.ts');
    expect(names).not.toContain('src/keys/derive.ts');
  });

  it('reaches no Node built-in, no other package, and no Node global', () => {
    expect(findings).toEqual([]);
  });

  it('notices a node: import two modules away, a bare built-in, a package and a global (negative controls)', () => {
    const portable = join(ROOT, 'src/keys/portable.ts');
    const sha = join(ROOT, 'src/internal/sha256.ts');
    const leaky: Read = (file) =>
      file === sha ? `import { createHash } from 'node:crypto';\nimport 'fs';\nimport x from 'left-pad';\n${readSource(file)}` : file === portable ? `${readSource(file)}\nexport const b = Buffer.alloc(1);` : readSource(file);
    const problems = walk(entries, leaky).findings;
    expect(problems.map((f) => f.problem).sort()).toEqual(['imports fs', 'imports node:crypto', 'imports the package left-pad, not known to run in a browser', 'uses the Node global Buffer']);
    const chain = problems.find((f) => f.problem === 'imports node:crypto')?.chain ?? '';
    expect(chain).toMatch(/^site\/\.vitepress\/theme\/.* -> src\/keys\/portable\.ts -> src\/internal\/sha256\.ts$/);
    // A word in a comment or a string is not a use.
    expect(NODE_GLOBALS.test(codeOnly("// Buffer\n/* process */ const s = 'require(x)';"))).toBe(false);
  });
});
