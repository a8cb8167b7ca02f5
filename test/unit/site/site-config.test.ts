/**
 * The docs site's configuration (site/.vitepress), checked without building the site:
 * every guide in docs/ is in the sidebar, every public entry point of package.json has an
 * API reference page, the playground pages are listed and mount their registered
 * components, and the site's heading anchors and repository-file links follow GitHub's
 * rules, so a link written for GitHub lands in the same place on the site.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiModules, importPathOf } from '../../../site/.vitepress/api-modules.js';
import { guideGroups, guideLink, playgroundLink, playgroundPages } from '../../../site/.vitepress/guides.js';
import { githubSlug, repositoryTarget } from '../../../site/.vitepress/markdown.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the docs site sidebar', () => {
  const listed = guideGroups.flatMap((group) => group.guides.map((guide) => guide.file));

  it('lists every guide of docs/ once, and nothing else', () => {
    const guides = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    expect(guides.length).toBeGreaterThan(5);
    expect([...listed].sort()).toEqual([...guides].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('links each guide at its path in the repository', () => {
    expect(guideLink({ file: 'durability.md', text: 'Durability' })).toBe('/docs/durability');
  });
});

describe('the playgrounds', () => {
  const folder = join(ROOT, 'site', 'playground');
  const theme = readFileSync(join(ROOT, 'site', '.vitepress', 'theme', 'index.ts'), 'utf8');
  const config = readFileSync(join(ROOT, 'site', '.vitepress', 'config.ts'), 'utf8');

  it('are the key designer, the retry-policy designer and the error-code lookup', () => {
    expect(playgroundPages.map((page) => page.component).sort()).toEqual(['ErrorPlayground', 'KeyPlayground', 'PolicyPlayground']);
  });

  it('lists every page of site/playground/ once, and nothing else', () => {
    const files = readdirSync(folder).filter((name) => name.endsWith('.md'));
    expect([...playgroundPages.map((page) => page.file)].sort()).toEqual([...files].sort());
    expect(new Set(playgroundPages.map((page) => page.file)).size).toBe(playgroundPages.length);
  });

  it('each page mounts its component, which the theme registers from an existing file', () => {
    for (const page of playgroundPages) {
      const text = readFileSync(join(folder, page.file), 'utf8');
      expect(text, page.file).toMatch(new RegExp(`^<${page.component} />$`, 'm'));
      expect(text, page.file).toMatch(/^# /m);
      const registration = new RegExp(`app\\.component\\('${page.component}', defineAsyncComponent\\(\\(\\) => import\\('\\./playground/${page.component}\\.vue'\\)\\)\\)`);
      expect(theme, page.component).toMatch(registration);
      expect(() => readFileSync(join(ROOT, 'site', '.vitepress', 'theme', 'playground', `${page.component}.vue`)), page.component).not.toThrow();
    }
  });

  it('are served under /playground/ and in the sidebar and the nav', () => {
    expect(playgroundLink({ file: 'keys.md', text: 'Keys', component: 'KeyPlayground' })).toBe('/playground/keys');
    // The site's srcExclude keeps site/playground/ and the rewrite serves it at /playground/.
    expect(config).toContain("new Set(['api', 'playground'])");
    expect(config).toMatch(/replace\(\/\^site\\\/\(api\|playground\)\\\/\/, '\$1\/'\)/);
    expect(config).toContain('playgroundSidebar');
  });
});

describe('the API reference', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

  it('has a module for every import path package.json exports', () => {
    const exported = Object.keys(pkg.exports)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? 'intentkey' : `intentkey${subpath.slice(1)}`));
    expect(apiModules().map((mod) => mod.importPath).sort()).toEqual(exported.sort());
  });

  it('documents entry files that exist, under the import path users write', () => {
    for (const mod of apiModules()) {
      expect(() => readFileSync(join(ROOT, mod.entry)), mod.entry).not.toThrow();
      expect(mod.link).toBe(`/api/${mod.importPath}/`);
    }
    expect(importPathOf('src/index.ts')).toBe('intentkey');
    expect(importPathOf('src/stores/postgres/index.ts')).toBe('intentkey/stores/postgres');
    expect(importPathOf('src/testing/msw.ts')).toBe('intentkey/testing/msw');
  });
});

describe('links written for GitHub', () => {
  it('land on the same heading: the site makes GitHub anchors', () => {
    // markdown-it hands the heading's text with code and emphasis markers already removed.
    expect(githubSlug('D18. Lazy successes: what a crash in the window costs')).toBe(
      'd18-lazy-successes-what-a-crash-in-the-window-costs',
    );
    expect(githubSlug('client.prepare(operation, input, callOptions?)')).toBe('clientprepareoperation-input-calloptions');
    expect(githubSlug('Fleet ledgers: intentkey/stores/postgres, intentkey/stores/redis')).toBe(
      'fleet-ledgers-intentkeystorespostgres-intentkeystoresredis',
    );
    // A dash between spaces keeps both hyphens, as on GitHub (VitePress's default collapses them).
    expect(githubSlug('Retries — and budgets')).toBe('retries--and-budgets');
  });

  it('to a repository file that is not a page are recognised; page and external links are not', () => {
    const testingGuide = join(ROOT, 'docs', 'testing.md');
    expect(repositoryTarget('../examples/msw-venue.test.ts', testingGuide, ROOT)).toBe('examples/msw-venue.test.ts');
    expect(repositoryTarget('examples/msw-venue.test.ts', join(ROOT, 'README.md'), ROOT)).toBe('examples/msw-venue.test.ts');
    expect(repositoryTarget('images/jitter-time.svg', join(ROOT, 'docs', 'benchmarks.md'), ROOT)).toBe('docs/images/jitter-time.svg');
    expect(repositoryTarget('durability.md#the-resume-table', testingGuide, ROOT)).toBeUndefined();
    expect(repositoryTarget('#running-intentkeys-own-tests', testingGuide, ROOT)).toBeUndefined();
    expect(repositoryTarget('https://mswjs.io', testingGuide, ROOT)).toBeUndefined();
    expect(repositoryTarget('../../elsewhere.ts', testingGuide, ROOT)).toBeUndefined();
  });
});
