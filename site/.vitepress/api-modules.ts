// The API reference's modules, read from site/typedoc.json so the entry list is kept in
// one place. TypeDoc names a module by its entry file's path under src/ (a trailing
// `/index` dropped); site/typedoc-entry-names.mjs renames it to the import path
// (`index` -> `intentkey`, `testing/msw` -> `intentkey/testing/msw`), which is also its
// folder under site/api/ and its URL under /api/.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SITE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = resolve(SITE, '../src');

/** A public entry point of the package, as documented by the API reference. */
export interface ApiModule {
  /** The entry file, relative to the repository root (`src/testing/index.ts`). */
  readonly entry: string;
  /** The import path a user writes (`intentkey/testing`). */
  readonly importPath: string;
  /** Site path of its reference page (`/api/intentkey/testing/`). */
  readonly link: string;
}

/** The import path TypeDoc's module for an entry file gets (see site/typedoc-entry-names.mjs). */
export function importPathOf(entryFromRoot: string): string {
  const underSrc = relative(SRC, resolve(SITE, '..', entryFromRoot)).replace(/\\/g, '/');
  const name = underSrc.replace(/(\/index)?\.ts$/, '');
  return name === 'index' ? 'intentkey' : `intentkey/${name}`;
}

/** Every entry point of site/typedoc.json, in its order. */
export function apiModules(): ApiModule[] {
  const options = JSON.parse(readFileSync(resolve(SITE, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
  return options.entryPoints.map((fromSite) => {
    const entry = relative(resolve(SITE, '..'), resolve(SITE, fromSite)).replace(/\\/g, '/');
    const importPath = importPathOf(entry);
    return { entry, importPath, link: `/api/${importPath}/` };
  });
}
