import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every reference to the project's docs must resolve from the repository alone: a
 * `docs/<file>.md#anchor` or `docs/<file>.md, "Section"` in a source comment, and every
 * relative link in README.md and docs/*.md, must name a file that exists and, when it
 * names a section, a heading of that file (GitHub's anchor of it).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, each space a hyphen. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML tags
    .replace(/[`*]/g, ''); // code and emphasis markers
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Markdown with fenced code blocks blanked out (their lines kept, so line numbers stay). */
function withoutFences(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const open = /^\s*(```|~~~)/.exec(line);
      if (fence === undefined && open) {
        fence = open[1];
        return '';
      }
      if (fence !== undefined) {
        if (line.trim().startsWith(fence)) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** The anchors of every heading of a markdown page, numbered as GitHub numbers repeats (`x`, `x-1`, ...). */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = githubSlug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** A reference to check: which file mentions it, the target path (from the repository root) and an optional section. */
interface Reference {
  readonly from: string;
  readonly target: string;
  readonly anchor?: string;
  /** The section as quoted in a comment (`docs/x.md, "Section"`), checked by its anchor. */
  readonly section?: string;
}

/**
 * References to `docs/<file>.md` in a source file's text: `docs/x.md#anchor`,
 * `docs/x.md, "Section"` (the quote may run over comment lines) or the bare path. Paths
 * with a folder after `docs/` are other projects' docs (venue sources) and not ours.
 */
function sourceReferences(from: string, text: string): Reference[] {
  // Comment continuation lines joined, so a quoted section broken over two lines reads whole.
  const joined = text.replace(/\n[ \t]*(?:\*(?!\/)|\/\/)[ \t]?/g, ' ');
  const refs: Reference[] = [];
  const pattern = /(?<![\w/@.-])docs\/([A-Za-z0-9_-]+\.md)(?![\w/])(?:#([\p{L}\p{N}_-]+)|,\s*"([^"]+)")?/gu;
  for (const m of joined.matchAll(pattern)) {
    const target = `docs/${m[1] as string}`;
    if (m[2] !== undefined) refs.push({ from, target, anchor: m[2] });
    else if (m[3] !== undefined) refs.push({ from, target, section: m[3] });
    else refs.push({ from, target });
  }
  return refs;
}

/** Relative links of a markdown page (`[text](path#anchor)`, `[text](#anchor)`), outside code blocks, as repository paths. */
function markdownReferences(from: string, markdown: string): Reference[] {
  const refs: Reference[] = [];
  for (const m of withoutFences(markdown).matchAll(/\]\(([^)\s]*)\)/g)) {
    const link = m[1] as string;
    if (link === '' || /^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // absolute URLs, mailto:
    const hash = link.indexOf('#');
    const path = hash < 0 ? link : link.slice(0, hash);
    const anchor = hash < 0 ? undefined : link.slice(hash + 1);
    const target = path === '' ? from : relative(ROOT, resolve(ROOT, dirname(from), path)).split('\\').join('/');
    refs.push(anchor === undefined ? { from, target } : { from, target, anchor });
  }
  return refs;
}

/** What is wrong with each reference, in words; empty when every one resolves. `read` returns a file's text or `undefined`. */
function brokenReferences(refs: readonly Reference[], read: (path: string) => string | undefined): string[] {
  const anchorsOf = new Map<string, Set<string> | undefined>();
  const problems: string[] = [];
  for (const ref of refs) {
    if (!anchorsOf.has(ref.target)) {
      const text = read(ref.target);
      anchorsOf.set(ref.target, text === undefined ? undefined : ref.target.endsWith('.md') ? headingAnchors(text) : new Set());
    }
    const anchors = anchorsOf.get(ref.target);
    if (anchors === undefined) {
      problems.push(`${ref.from}: ${ref.target} does not exist`);
      continue;
    }
    const wanted = ref.anchor ?? (ref.section === undefined ? undefined : githubSlug(ref.section));
    if (wanted !== undefined && !anchors.has(wanted)) {
      problems.push(`${ref.from}: ${ref.target} has no heading ${ref.anchor !== undefined ? `#${ref.anchor}` : `"${ref.section ?? ''}"`}`);
    }
  }
  return problems;
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(entry.name)) out.push(path);
  }
  return out;
}

/** A repository file's text, `''` for a directory (a link to a folder), `undefined` when missing. */
function readRepoFile(path: string): string | undefined {
  const full = join(ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

describe('the reference checker', () => {
  const page = ['# Title', '## Rules', '### D1. The intent is durable first', '## Rules', '```', '## Not a heading', '```', 'See [x](#rules-1).'].join('\n');

  it('computes GitHub anchors: punctuation dropped, repeats numbered, code blocks skipped', () => {
    expect(githubSlug('D11. A failed write or sync poisons the ledger; the sync is never retried')).toBe('d11-a-failed-write-or-sync-poisons-the-ledger-the-sync-is-never-retried');
    expect(githubSlug('Metrics (`client.metrics()`)')).toBe('metrics-clientmetrics');
    expect([...headingAnchors(page)]).toEqual(['title', 'rules', 'd1-the-intent-is-durable-first', 'rules-1']);
  });

  it('reports a missing file, a missing anchor and a missing quoted section, and accepts the ones that exist', () => {
    const source = [
      '/** see docs/guide.md#d1-the-intent-is-durable-first and docs/guide.md#d2-missing',
      ' * (docs/guide.md, "D1. The intent is',
      ' * durable first") and (docs/guide.md, "Nowhere"), docs/gone.md, and a venue source docs/v5/error.md */',
    ].join('\n');
    const refs = [...sourceReferences('src/a.ts', source), ...markdownReferences('docs/guide.md', page), ...markdownReferences('README.md', '[g](docs/guide.md#title) [h](docs/guide.md#nope)')];
    const files: Record<string, string> = { 'docs/guide.md': page };
    expect(brokenReferences(refs, (p) => files[p])).toEqual([
      'src/a.ts: docs/guide.md has no heading #d2-missing',
      'src/a.ts: docs/guide.md has no heading "Nowhere"',
      'src/a.ts: docs/gone.md does not exist',
      'README.md: docs/guide.md has no heading #nope',
    ]);
  });
});

describe('references to the docs', () => {
  it('every docs/<file>.md reference in src/ names an existing file, and its #anchor or quoted section a heading of it', () => {
    const refs = filesUnder('src', (n) => n.endsWith('.ts')).flatMap((path) => sourceReferences(path, readRepoFile(path) ?? ''));
    // The durability rules are cited from the code that implements them.
    expect(refs.filter((r) => r.target === 'docs/durability.md' && r.anchor !== undefined).length).toBeGreaterThan(10);
    expect(brokenReferences(refs, readRepoFile)).toEqual([]);
  });

  it('every relative link (and docs/<file>.md mention) in README.md and docs/*.md resolves, anchors included', () => {
    const pages = ['README.md', ...filesUnder('docs', (n) => n.endsWith('.md'))];
    const refs = pages.flatMap((path) => {
      const text = readRepoFile(path) ?? '';
      return [...markdownReferences(path, text), ...sourceReferences(path, withoutFences(text))];
    });
    expect(brokenReferences(refs, readRepoFile)).toEqual([]);
  });

  it('docs/durability.md defines its rules D1, D2, ... once each, in order, and defines every rule it cites', () => {
    const text = readRepoFile('docs/durability.md') ?? '';
    const defined = [...text.matchAll(/^#{2,6} D(\d+)\. /gm)].map((m) => Number(m[1]));
    expect(defined).toEqual(defined.map((_, i) => i + 1));
    const cited = new Set([...text.matchAll(/\bD(\d+)\b/g)].map((m) => Number(m[1])));
    for (const n of cited) expect(defined, `D${n} is cited but not defined`).toContain(n);
  });
});
