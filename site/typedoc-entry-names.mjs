// TypeDoc plugin: names each API module after the import path a user writes
// (`intentkey`, `intentkey/testing`, ...) instead of its file under src/
// (`index`, `testing`, ...). TypeDoc 0.28 names a module by its entry file's path
// relative to the entries' common folder, with a trailing `/index` dropped.
import { Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.children ?? []) {
      mod.name = mod.name === 'index' ? 'intentkey' : `intentkey/${mod.name}`;
    }
  });
}
