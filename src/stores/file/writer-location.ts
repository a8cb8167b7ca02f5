/**
 * Finds the writer thread's code (writer-thread.ts) for `new Worker(...)`.
 *
 * In the published package the writer is its own built file, `ledger-writer.js` (ESM)
 * or `ledger-writer.cjs` (CommonJS), at the root of `dist/`; this module's code may sit
 * in `dist/` itself or in a sub-folder (a shared chunk or an entry such as
 * `dist/stores/file.js`), so the parent folders are searched too.
 *
 * When intentkey runs from its TypeScript sources (its own tests and scripts, under
 * vitest or tsx), there is no built file and Node cannot start a worker from `.ts`:
 * the writer module is then bundled in memory with esbuild, a development dependency
 * that is never reached from the published build.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** How to start the writer: a built file, or (from sources) bundled code to evaluate. */
export type WriterEntry = { readonly file: URL } | { readonly code: string };

const cache = new Map<string, WriterEntry>();

/** The file name of the built writer, without extension (tsup entry name). */
export const WRITER_ENTRY_NAME = 'ledger-writer';

/**
 * Where the writer thread's code is, seen from the module at `here` (a file URL).
 * @throws Error when neither the built file nor the sources can be found.
 */
export function writerEntry(here: string = import.meta.url): WriterEntry {
  const known = cache.get(here);
  if (known) return known;
  const found = locate(here);
  cache.set(here, found);
  return found;
}

function locate(here: string): WriterEntry {
  const path = fileURLToPath(here);
  if (/\.[cm]?ts$/.test(path)) return { code: bundleFromSources(new URL('./writer-thread.ts', here)) };
  const extension = path.endsWith('.cjs') ? '.cjs' : '.js';
  for (const up of ['./', '../', '../../']) {
    const candidate = new URL(`${up}${WRITER_ENTRY_NAME}${extension}`, here);
    if (existsSync(candidate)) return { file: candidate };
  }
  throw new Error(`intentkey: the file ledger's writer thread (${WRITER_ENTRY_NAME}${extension}) is missing beside ${path}; the package is incomplete, reinstall it.`);
}

interface EsbuildLike {
  buildSync(options: Record<string, unknown>): { outputFiles?: Array<{ text: string }> };
}

function bundleFromSources(entry: URL): string {
  let esbuild: EsbuildLike;
  try {
    esbuild = createRequire(entry)('esbuild') as EsbuildLike;
  } catch (cause) {
    throw new Error('intentkey: running from TypeScript sources needs the development dependency esbuild to start the file ledger\'s writer thread.', { cause });
  }
  const built = esbuild.buildSync({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const text = built.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error('intentkey: bundling the writer thread from sources produced no output.');
  return text;
}
