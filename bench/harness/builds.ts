/**
 * Loading another build of the package, for the benchmarks that compare two builds in
 * one process (`bench:in-process --baseline`, `bench:paired --baseline`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Source from '../../src/index.js';

/** The parts of the package's root export the two-build benchmarks use. */
export type ClientModule = Pick<typeof Source, 'createIntentClient' | 'ietfIdempotencyKey' | 'MemoryLedger' | 'FileLedger'>;

/** Loads a build's root entry (`DIR/index.js`): the `dist/` of this or another commit. */
export async function loadBuild(dir: string): Promise<ClientModule> {
  const entry = resolve(dir, 'index.js');
  if (!existsSync(entry)) throw new Error(`no build at ${entry}: run \`npm run build\` there first`);
  return (await import(pathToFileURL(entry).href)) as ClientModule;
}
