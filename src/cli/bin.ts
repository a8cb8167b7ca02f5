#!/usr/bin/env node
// The `intentkey` command (package.json "bin"). All logic is in program.ts.
import { runCli } from './program.js';

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => Date.now(),
}).then((code) => {
  process.exitCode = code;
});
