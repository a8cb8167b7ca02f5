#!/usr/bin/env node
// Installs the packed tarball into a throwaway project and uses it the way a
// consumer would: ESM import, CJS require, and a TypeScript compile of .mts
// and .cts files under `moduleResolution: node16`. This catches what unit
// tests cannot: a wrong "exports" map, a file missing from "files", types
// that resolve to the wrong format.
//
// It builds nothing: run `npm run build` first. Only `IntentError`,
// `isIntentError`, `ManualClock` and `./package.json` are checked so that the
// public surface can grow without touching this script.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** @type {{ name: string, ok: boolean }[]} */
const results = [];

/**
 * Runs a command, returns its result; prints its output only when it fails
 * so a passing run stays short.
 * @param {string} name
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 */
function run(name, cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ok = res.status === 0;
  record(name, ok);
  if (!ok) {
    console.log(`--- ${cmd} ${args.join(' ')} (exit ${res.status ?? res.signal ?? res.error?.message})`);
    if (res.stdout) console.log(res.stdout.trimEnd());
    if (res.stderr) console.log(res.stderr.trimEnd());
    console.log('---');
  }
  return res;
}

/** @param {string} name @param {boolean} ok */
function record(name, ok) {
  results.push({ name, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
}

/** @param {string} name */
function skip(name) {
  // A check that could not run is a failure: nothing was verified.
  record(`${name} (not run: an earlier step failed)`, false);
}

/** Version pinned by our lockfile, so the consumer tests what CI tested. */
function lockedVersion(/** @type {string} */ pkg) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const version = lock.packages?.[`node_modules/${pkg}`]?.version;
  if (typeof version !== 'string') throw new Error(`${pkg} is not in package-lock.json`);
  return version;
}

const ESM_CONSUMER = `
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { IntentError, isIntentError, okx, VENUE_PROFILES } from 'intentkey';
import { ManualClock } from 'intentkey/testing';
import { PostgresLedger } from 'intentkey/stores/postgres';
import { RedisLedger } from 'intentkey/stores/redis';
import { FileLedger } from 'intentkey/stores/file';
import { FileLedger as RootFileLedger } from 'intentkey';
import { isAllowedTransition, TERMINAL_STATUSES } from 'intentkey/ledger';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

assert.equal(typeof PostgresLedger, 'function', 'PostgresLedger is exported');
assert.equal(FileLedger, RootFileLedger, 'intentkey/stores/file and intentkey export one FileLedger');
assert.equal(isAllowedTransition('pending', 'inFlight'), true, 'intentkey/ledger exports the transition table');
assert.equal(TERMINAL_STATUSES.has('succeeded'), true, 'intentkey/ledger exports the status lists');
// The writer thread is a file of its own in the package: a durable write proves it is found.
const ledgerDir = mkdtempSync(join(tmpdir(), 'intentkey-esm-ledger-'));
try {
  const ledger = await FileLedger.open({ dir: ledgerDir });
  const { created } = await ledger.create({ id: 'probe-1', scope: 'default', operation: 'probe', venue: 'ietf-idempotency-key', key: 'k1', venueKey: 'k1', fingerprint: 'f', input: {}, createdAt: 1 }, 1);
  assert.equal(created, true, 'the ESM FileLedger writes through its writer thread');
  await ledger.close();
} finally {
  rmSync(ledgerDir, { recursive: true, force: true });
}
assert.equal(typeof RedisLedger, 'function', 'RedisLedger is exported');
assert.equal(VENUE_PROFILES.okx, okx, 'venue profiles are exported');
assert.equal(typeof IntentError, 'function', 'IntentError is a class');
assert.equal(typeof isIntentError, 'function', 'isIntentError is a function');
assert.equal(typeof ManualClock, 'function', 'ManualClock is a class');
assert.equal(typeof new ManualClock().now(), 'number', 'ManualClock#now returns a number');

class ProbeError extends IntentError {
  code = 'ERR_KEY_FORMAT';
}
const probe = new ProbeError('probe');
assert.ok(probe instanceof Error, 'IntentError extends Error');
assert.equal(isIntentError(probe), true, 'isIntentError recognises a subclass');
assert.equal(isIntentError(new Error('plain')), false, 'isIntentError rejects a plain Error');

// Dual-package hazard: an app can load the ESM and the CJS copy at once; the
// brand-based guard must recognise errors from either copy.
const cjs = createRequire(import.meta.url)('intentkey');
assert.notEqual(cjs.IntentError, IntentError, 'the CJS build is a separate copy');
assert.equal(cjs.isIntentError(probe), true, 'CJS guard recognises an ESM error');

const pkg = await import('intentkey/package.json', { with: { type: 'json' } });
assert.equal(pkg.default.name, 'intentkey', './package.json is exported');
console.log('esm ok');
`;

const CJS_CONSUMER = `
'use strict';
const assert = require('node:assert/strict');
const { IntentError, isIntentError, okx, VENUE_PROFILES } = require('intentkey');
const { ManualClock } = require('intentkey/testing');
assert.equal(typeof require('intentkey/stores/postgres').PostgresLedger, 'function', 'PostgresLedger is exported');
assert.equal(typeof require('intentkey/stores/redis').RedisLedger, 'function', 'RedisLedger is exported');
assert.equal(VENUE_PROFILES.okx, okx, 'venue profiles are exported');

assert.equal(typeof IntentError, 'function', 'IntentError is a class');
assert.equal(typeof isIntentError, 'function', 'isIntentError is a function');
assert.equal(typeof ManualClock, 'function', 'ManualClock is a class');
assert.equal(typeof new ManualClock().now(), 'number', 'ManualClock#now returns a number');

class ProbeError extends IntentError {
  code = 'ERR_KEY_FORMAT';
}
assert.equal(isIntentError(new ProbeError('probe')), true, 'isIntentError recognises a subclass');
assert.equal(isIntentError(new Error('plain')), false, 'isIntentError rejects a plain Error');

assert.equal(require('intentkey/package.json').name, 'intentkey', './package.json is exported');

// The writer thread is a file of its own in the package: a durable write proves the
// CommonJS build finds its own copy.
const { FileLedger } = require('intentkey/stores/file');
const { mkdtempSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const ledgerDir = mkdtempSync(join(require('node:os').tmpdir(), 'intentkey-cjs-ledger-'));
FileLedger.open({ dir: ledgerDir })
  .then(async (ledger) => {
    const { created } = await ledger.create({ id: 'probe-1', scope: 'default', operation: 'probe', venue: 'ietf-idempotency-key', key: 'k1', venueKey: 'k1', fingerprint: 'f', input: {}, createdAt: 1 }, 1);
    assert.equal(created, true, 'the CJS FileLedger writes through its writer thread');
    await ledger.close();
    console.log('cjs ok');
  })
  .finally(() => rmSync(ledgerDir, { recursive: true, force: true }))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
`;

// The same source compiles as ESM (.mts, "import" condition -> .d.ts) and as
// CJS (.cts, "require" condition -> .d.cts). Under strict mode a missing or
// unresolvable declaration file is an error (implicit any), not a silent pass.
const TS_CONSUMER = `
import { IntentError, isIntentError, okx, type VenueProfile } from 'intentkey';
import { ManualClock } from 'intentkey/testing';
import { PostgresLedger } from 'intentkey/stores/postgres';
import { RedisLedger } from 'intentkey/stores/redis';
import { FileLedger, type FileLedgerOptions, type InputCodec } from 'intentkey/stores/file';
import type { ClaimRequest, LedgerStore, TransitionRequest } from 'intentkey/ledger';

export type StoreKit = [ClaimRequest, TransitionRequest, LedgerStore];

const fileOptions: FileLedgerOptions = { dir: './ledger' };
export const codec: InputCodec | undefined = undefined;
export const opening: (o: FileLedgerOptions) => Promise<FileLedger> = FileLedger.open;
export const dir: string = fileOptions.dir;
const now: number = new ManualClock().now();
const profile: VenueProfile = okx;
export const stores: readonly unknown[] = [PostgresLedger, RedisLedger, profile];

export function describeError(value: unknown): string {
  if (isIntentError(value)) {
    const narrowed: IntentError = value;
    return narrowed.message;
  }
  return String(now);
}
`;

const TS_CONFIG = {
  compilerOptions: {
    module: 'node16',
    moduleResolution: 'node16',
    target: 'ES2022',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noEmit: true,
    // Check our published .d.ts/.d.cts too, not just the consumer's files.
    skipLibCheck: false,
  },
  files: ['consumer-types.mts', 'consumer-types.cts'],
};

function main() {
  // `testing/msw` and `otel` are only checked for presence: the consumer below installs no
  // msw and no @opentelemetry/api (optional peers), and importing `intentkey` and
  // `intentkey/testing` there proves they need neither.
  const distFiles = ['index', 'testing', 'testing/msw', 'otel', 'tools', 'ledger', 'stores/file', 'stores/postgres', 'stores/redis', 'ledger-writer'].flatMap((entry) => ['.js', '.cjs', '.d.ts', '.d.cts'].map((ext) => `${entry}${ext}`));
  const missing = distFiles.filter((f) => !existsSync(join(root, 'dist', f)));
  if (missing.length > 0) {
    record(`dist/ is built (missing: ${missing.join(', ')}; run \`npm run build\` first)`, false);
    return;
  }
  record('dist/ is built', true);

  const dir = mkdtempSync(join(tmpdir(), 'intentkey-consumers-'));
  try {
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string} dir */
function check(dir) {
  const consumerChecks = ['consumer ESM import', 'consumer CJS require', 'consumer TypeScript (node16, .mts + .cts)', 'consumer runs the command: npx intentkey explain'];

  const pack = run('npm pack', npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root);
  if (pack.status !== 0) {
    consumerChecks.forEach(skip);
    return;
  }
  const [packed] = JSON.parse(pack.stdout);
  const tarball = join(dir, packed.filename);

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'intentkey-consumer', version: '0.0.0', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(join(app, 'consumer-esm.mjs'), ESM_CONSUMER);
  writeFileSync(join(app, 'consumer-cjs.cjs'), CJS_CONSUMER);
  writeFileSync(join(app, 'consumer-types.mts'), TS_CONSUMER);
  writeFileSync(join(app, 'consumer-types.cts'), TS_CONSUMER);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TS_CONFIG, null, 2));

  const install = run(
    'npm install of the packed tarball',
    npm,
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--no-package-lock',
      tarball,
      `axios@${lockedVersion('axios')}`,
      `@types/node@${lockedVersion('@types/node')}`,
    ],
    app,
  );
  if (install.status !== 0) {
    consumerChecks.forEach(skip);
    return;
  }

  // JSON module imports print an ExperimentalWarning on Node 20; it is noise
  // here. The flag itself only exists from Node 20.11 on.
  const nodeFlags = process.allowedNodeEnvironmentFlags.has('--disable-warning')
    ? ['--disable-warning=ExperimentalWarning']
    : [];
  run(consumerChecks[0], process.execPath, [...nodeFlags, 'consumer-esm.mjs'], app);
  run(consumerChecks[1], process.execPath, [...nodeFlags, 'consumer-cjs.cjs'], app);
  run(consumerChecks[2], process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  // The package's bin, as a user runs it: npx finds it in node_modules/.bin (no download).
  const cli = run(consumerChecks[3], npm, ['exec', '--offline', '--no', '--', 'intentkey', 'explain', 'binance-spot', '-2010', '--message', 'Duplicate order sent.', '--json'], app);
  if (cli.status === 0 && !/"outcome"|"kind"/.test(cli.stdout)) record('consumer command output is JSON with an outcome', false);
}

try {
  main();
} catch (error) {
  record(`check-consumers crashed: ${error instanceof Error ? error.message : String(error)}`, false);
}

const failed = results.filter((r) => !r.ok).length;
console.log(`check-consumers: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
