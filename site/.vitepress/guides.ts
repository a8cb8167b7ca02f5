// The guides of the site's sidebar, in reading order: every docs/*.md, each listed once
// (test/unit/site/site-config.test.ts checks that against the folder, so a new guide
// cannot be left out of the site). No import of `vitepress` here, so the test stays cheap.

/** One guide: its file in docs/ and the title the sidebar shows. */
export interface Guide {
  /** File name in docs/, e.g. `durability.md`. */
  readonly file: string;
  /** Sidebar text. */
  readonly text: string;
}

/** A sidebar group of guides. */
export interface GuideGroup {
  readonly text: string;
  readonly guides: readonly Guide[];
}

export const guideGroups: readonly GuideGroup[] = [
  {
    text: 'Using intentkey',
    guides: [
      { file: 'guarantees.md', text: 'Guarantees and non-guarantees' },
      { file: 'stores.md', text: 'Ledger stores' },
      { file: 'protection.md', text: 'Protection' },
      { file: 'venues.md', text: 'Venue profiles' },
      { file: 'observability.md', text: 'Observability' },
      { file: 'testing.md', text: 'Testing your integration' },
      { file: 'cli.md', text: 'The intentkey command' },
    ],
  },
  {
    text: 'How it works',
    guides: [
      { file: 'durability.md', text: 'Durability and the resume table' },
      { file: 'design.md', text: 'Design' },
      { file: 'benchmarks.md', text: 'Benchmarks' },
    ],
  },
];

/** The site path of a guide (`docs/x.md` is served at `/docs/x`, as on GitHub). */
export function guideLink(guide: Guide): string {
  return `/docs/${guide.file.replace(/\.md$/, '')}`;
}

/** One playground page: its file in site/playground/ and the title the sidebar shows. */
export interface PlaygroundPage {
  /** File name in site/playground/, e.g. `keys.md`. */
  readonly file: string;
  /** Sidebar text. */
  readonly text: string;
  /** The component the page mounts (registered by site/.vitepress/theme/index.ts). */
  readonly component: string;
}

/**
 * The playgrounds: the `intentkey` command's designers in the browser, run on the same
 * functions (`intentkey/tools`). test/unit/site/site-config.test.ts checks this list
 * against site/playground/ and each page's component.
 */
export const playgroundPages: readonly PlaygroundPage[] = [
  { file: 'keys.md', text: 'Key designer', component: 'KeyPlayground' },
  { file: 'policy.md', text: 'Retry-policy designer', component: 'PolicyPlayground' },
  { file: 'errors.md', text: 'Error-code lookup', component: 'ErrorPlayground' },
];

/** The site path of a playground (`site/playground/x.md` is served at `/playground/x`). */
export function playgroundLink(page: PlaygroundPage): string {
  return `/playground/${page.file.replace(/\.md$/, '')}`;
}
