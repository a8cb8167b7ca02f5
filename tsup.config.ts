import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/**
 * Dual ESM/CJS build. The entry names below become the file names that
 * package.json "exports" points at: with `"type": "module"` tsup writes
 * `<name>.js` + `<name>.d.ts` for ESM and `<name>.cjs` + `<name>.d.cts` for CJS.
 * Adding an entry here means adding the matching "exports" subpath too.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    // Needs the optional peer `msw`; the only entry that imports it.
    'testing/msw': 'src/testing/msw.ts',
    // For authors of a third-party LedgerStore: request shapes, status lists, transitions.
    ledger: 'src/ledger/index.ts',
    'stores/file': 'src/stores/file/index.ts',
    'stores/postgres': 'src/stores/postgres/index.ts',
    'stores/redis': 'src/stores/redis/index.ts',
    // Needs the optional peer `@opentelemetry/api`; the only entry that imports it.
    otel: 'src/otel/index.ts',
    // The pure functions behind the `intentkey` command.
    tools: 'src/tools/index.ts',
    // The `intentkey` command (package.json "bin"); keeps its `#!` line.
    cli: 'src/cli/bin.ts',
    // The file ledger's writer thread, started by `new Worker(file)`: no subpath export,
    // found beside the code that starts it (src/stores/file/writer-location.ts).
    'ledger-writer': 'src/stores/file/writer-thread.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  // `import.meta.url` in the CommonJS build (writer-location.ts finds the writer thread's
  // file relative to its own module).
  shims: true,
  // Runtime and peer dependencies stay imports so consumers share one copy
  // (tsup externalises dependencies/peerDependencies already; listing them
  // keeps that true if one is ever moved to devDependencies by mistake).
  // The store drivers are the user's own (`pg`, `ioredis`): the stores take
  // a client through a structural type and never import them at run time, but
  // listing them keeps a stray import from bundling a driver. `msw` is an optional
  // peer, imported only by `intentkey/testing/msw`: bundling it would ship a second
  // msw whose interceptors the user's `setupServer` never sees. `@opentelemetry/api`
  // likewise, imported only by `intentkey/otel`: the API finds the registered SDK
  // through a process-wide global, and a bundled copy would be a second API the
  // user's SDK registration never reaches (every span a no-op). `fast-check`, an optional
  // peer too, is loaded by `intentkey/testing` only when `checkLedgerAgainstModel` runs (a
  // dynamic import), so importing the entry never needs it; bundling it would ship a copy.
  external: ['axios', 'commander', 'zod', 'ulid', 'pg', 'ioredis', 'msw', '@opentelemetry/api', 'fast-check'],
  // Split shared modules into chunks in both formats (CJS splitting is opt-in
  // in tsup). Without it `intentkey` and `intentkey/testing` would each carry
  // their own copy of e.g. the error classes, so `instanceof` across the two
  // entries would fail while the emitted .d.ts files claim they are one class.
  splitting: true,
  // `intentkey/otel` reports the package version as its instrumentation scope version.
  define: { __INTENTKEY_VERSION__: JSON.stringify(version) },
});
