// The few browser APIs the playgrounds use, typed here so the repository's TypeScript
// setup (no DOM library: the SDK must not use browser globals by accident) can check the
// components' code. Called only after the page is mounted, never on the server.

interface BrowserWindow {
  readonly location: { readonly pathname: string; readonly search: string; readonly hash: string };
  readonly history: { readonly state: unknown; replaceState(data: unknown, unused: string, url: string): void };
  readonly navigator: { readonly clipboard?: { writeText(text: string): Promise<void> } };
}

function browser(): BrowserWindow {
  const page: unknown = globalThis;
  return page as BrowserWindow;
}

/** The page's query string (`?a=1`), or `''`. */
export function currentSearch(): string {
  return browser().location.search;
}

/** Replaces the page's query string without a new history entry (nothing is loaded). */
export function replaceSearch(search: string): void {
  const { location, history } = browser();
  history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}

/** Copies `text` to the clipboard. Resolves `false` where the browser refuses (no clipboard API, no permission). */
export async function copyText(text: string): Promise<boolean> {
  const clipboard = browser().navigator.clipboard;
  if (clipboard === undefined) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
