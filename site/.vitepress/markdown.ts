// Markdown behaviour of the site that keeps docs/ written for GitHub: the same heading
// anchors GitHub makes (so `durability.md#the-resume-table` lands on the same heading in
// both places), and links to repository files that are not pages of the site.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

/**
 * GitHub's anchor for a heading's text: lower case, punctuation dropped, each space a
 * hyphen (no collapsing of runs, unlike VitePress's default). The rule test/unit/docs-links
 * checks the repository's links against; repeats get `-1`, `-2`... from markdown-it-anchor,
 * as on GitHub.
 */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Where a link of a page points in the repository, or undefined for an external, anchor-only or page link. */
export function repositoryTarget(href: string, pageFile: string, repoRoot: string): string | undefined {
  if (href === '' || href.startsWith('#') || href.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined;
  const path = decodeURI(href.replace(/[?#].*$/, ''));
  if (path === '' || /\.(md|html)$/i.test(path) || path.endsWith('/')) return undefined;
  const target = relative(repoRoot, resolve(dirname(pageFile), path)).replace(/\\/g, '/');
  return target.startsWith('../') ? undefined : target;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * A markdown-it plugin: a relative link from a page to a repository file that the site
 * does not serve (`../examples/msw-venue.test.ts`) works on GitHub but would be a 404 in
 * the static site (VitePress checks only links to pages). Such a link keeps its text and
 * becomes a link to `sourceUrl` + path when one is given, plain text with the path as its
 * tooltip otherwise. Links into `servedFolders` (docs/, whose images the site bundles)
 * are left alone.
 */
export function repositoryFileLinks(
  md: MarkdownRenderer,
  options: { readonly repoRoot: string; readonly servedFolders: readonly string[]; readonly sourceUrl?: string | undefined },
): void {
  md.core.ruler.push('intentkey-repository-file-links', (state) => {
    const env = state.env as { realPath?: string; path?: string };
    const pageFile = env.realPath ?? env.path;
    if (pageFile === undefined) return;
    for (const block of state.tokens) {
      const children: Token[] = block.children ?? [];
      for (let i = 0; i < children.length; i++) {
        const open = children[i] as Token;
        if (open.type !== 'link_open') continue;
        const target = repositoryTarget(open.attrGet('href') ?? '', pageFile, options.repoRoot);
        if (target === undefined || options.servedFolders.some((folder) => target.startsWith(`${folder}/`))) continue;
        if (!existsSync(resolve(options.repoRoot, target))) continue; // docs-links test reports it
        if (options.sourceUrl !== undefined) {
          open.attrSet('href', `${options.sourceUrl.replace(/\/$/, '')}/${target}`);
          continue;
        }
        const close = children.slice(i + 1).find((t) => t.type === 'link_close' && t.level === open.level);
        if (close === undefined) continue;
        open.type = 'html_inline';
        open.content = `<span class="repository-file" title="${escapeAttribute(`${target} (in the repository)`)}">`;
        close.type = 'html_inline';
        close.content = '</span>';
      }
    }
  });
}
